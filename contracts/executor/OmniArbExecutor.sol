// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title OmniArbExecutor
/// @notice Runs one arbitrage cycle atomically with capital borrowed through a Uniswap V2 flash
///         swap, and reverts unless the cycle ends with at least `minProfit` of its start token.
///
/// @dev THE PLAN. `execute(bytes plan)` takes one packed byte string (built by
///      `omniarb/execute/route_codec.py`):
///
///          offset  size  field
///          0       1     flash source   0 = V2 flash swap from the last hop's pair (the only
///                                       one implemented); 1 Balancer Vault, 2 Aave V3,
///                                       3 Uniswap V3 flash are reserved for issue #6
///          1       16    amountIn       uint128, of the start token, paid into the first pair
///          17      16    minProfit      uint128, in the start token
///          33      64·n  n ≥ 2 hops, each 64 bytes:
///                  +0    20  pool       the pair to swap through
///                  +20   20  tokenIn    the token this hop sells; the hop buys the next hop's
///                                       tokenIn (the last hop buys hop 0's tokenIn: a cycle)
///                  +40   20  factory    the factory that deployed `pool`
///                  +60   1   kind       0 = Uniswap V2 pair (others reserved, see above)
///                  +61   3   feePips    uint24, swap fee in hundredths of a basis point
///                                       (0.3% = 3000, a 0.25% fork = 2500)
///
///      The hop count is the plan's length: (length − 33) / 64. A hop's direction is not encoded
///      but derived from its two tokens (token0 is the smaller address, as in
///      `UniswapV2Factory.createPair`), so a plan cannot name a direction its tokens contradict.
///
///      THE FLOW (cycle A → B → … → A through pairs P0 … Pn−1):
///      1. `execute` reads every pair's reserves and chains `getAmountOut` with each hop's fee
///         (UniswapV2Library's formula), so the trade is sized on the state at inclusion time.
///         If the final amount of A is short of amountIn + minProfit it reverts with
///         `InsufficientProfit` before any token moves.
///      2. It flash-borrows the final amount of A from the LAST pair Pn−1
///         (`swap(…, to = this, data)`); Pn−1 calls back `uniswapV2Call`.
///      3. The callback pays amountIn of A into P0 and runs P0 … Pn−2 pair to pair: each
///         `swap` sends its output straight to the next pair, and Pn−2's output lands in
///         Pn−1 as the repayment of the flash swap in its input token. Pn−1 then checks its own
///         constant product when the callback returns.
///      Borrowing from the last pair rather than the first makes the token flow identical to
///      the same swaps done by hand (one transfer into P0, then pair → pair): no token ever
///      passes through this contract except A, which it receives once and pays once. The pools
///      of a plan must be distinct (reserves are read once, up front); a repeated pool makes a
///      pair's own checks revert (`UniswapV2: LOCKED` or `K`), never a loss.
///
///      PROFIT stays in this contract (amount received from Pn−1 minus amountIn) until the owner
///      calls `withdraw`. Keeping it saves a transfer and a cold balance write per trade; and
///      since the profit check runs before the contract pays anything, a trade can only add to
///      the contract's balance of A, never take from it or from any other token it holds.
///
///      SECURITY. `execute` is open to the owner and to authorized executors only. The callback
///      accepts a call only (a) from the pair this contract's own `execute` is borrowing from in
///      this transaction (held in transient storage, EIP-1153, so it is empty between calls),
///      (b) for a swap this contract initiated (`sender == address(this)`), and (c) from the
///      genuine pair of a registered factory: the CREATE2 address
///      keccak256(0xff ‖ factory ‖ keccak256(token0 ‖ token1) ‖ initCodeHash) must equal the
///      caller, with the init code hash taken from the owner-managed registry.
contract OmniArbExecutor {
    // ---------------------------------------------------------------- plan layout constants
    uint256 private constant HEADER_BYTES = 33;
    uint256 private constant HOP_BYTES = 64;
    uint256 private constant FLASH_V2_PAIR = 0;
    uint256 private constant KIND_UNISWAP_V2 = 0;
    uint256 private constant PIPS = 1_000_000;

    // ---------------------------------------------------------------- selectors
    uint256 private constant SWAP_SELECTOR = 0x022c0d9f; // swap(uint256,uint256,address,bytes)
    uint256 private constant GET_RESERVES_SELECTOR = 0x0902f1ac; // getReserves()
    uint256 private constant TRANSFER_SELECTOR = 0xa9059cbb; // transfer(address,uint256)
    // Bytes of a swap call before its `data`: selector, amount0Out, amount1Out, to, offset, length.
    uint256 private constant SWAP_HEAD_BYTES = 164;

    // ---------------------------------------------------------------- state
    address public owner;
    address public pendingOwner;
    mapping(address account => bool allowed) public isExecutor;
    mapping(address factory => bytes32 initCodeHash) public initCodeHashOf;
    /// @dev The pair `execute` is borrowing from; zero whenever no flash swap is in progress.
    address private transient _lender;

    // ---------------------------------------------------------------- events
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event ExecutorSet(address indexed account, bool allowed);
    event FactorySet(address indexed factory, bytes32 initCodeHash);
    event Withdrawn(address indexed token, address indexed to, uint256 amount);

    // ---------------------------------------------------------------- errors
    error NotOwner(address caller);
    error NotPendingOwner(address caller);
    error NotExecutor(address caller);
    error ZeroAddress();
    error LengthMismatch();
    error MalformedPlan(uint256 length);
    error UnsupportedFlashSource(uint256 source);
    error UnsupportedHopKind(uint256 hop, uint256 kind);
    error NoReserves(address pool);
    error InsufficientProfit(uint256 profit, uint256 minProfit);
    error FlashInProgress();
    error UnexpectedCallback(address caller);
    error ForeignInitiator(address sender);
    error UnknownFactory(address factory);
    error NotGenuinePair(address caller);
    error TransferFailed(address token);
    error NativeTransferFailed();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @param owner_ Receives every admin right; it may also call `execute`.
    /// @param executors_ Accounts allowed to call `execute` from the start.
    /// @param factories_ Known factories, paired with `initCodeHashes_` (their pair's init code
    ///        hash), so a deployment is ready to trade in one transaction.
    constructor(
        address owner_,
        address[] memory executors_,
        address[] memory factories_,
        bytes32[] memory initCodeHashes_
    ) {
        if (owner_ == address(0)) revert ZeroAddress();
        if (factories_.length != initCodeHashes_.length) revert LengthMismatch();
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
        for (uint256 i; i < executors_.length; ++i) {
            isExecutor[executors_[i]] = true;
            emit ExecutorSet(executors_[i], true);
        }
        for (uint256 i; i < factories_.length; ++i) {
            initCodeHashOf[factories_[i]] = initCodeHashes_[i];
            emit FactorySet(factories_[i], initCodeHashes_[i]);
        }
    }

    /// @notice Native coin sent here is kept until the owner withdraws it.
    receive() external payable {}

    // ================================================================ trading

    /// @notice Trades the cycle described by `plan` (layout in the contract's notes) and returns
    ///         the profit kept, in base units of the start token.
    function execute(bytes calldata plan) external returns (uint256 profit) {
        // Executors are checked first: the bot is one, so its call costs one cold read.
        if (!isExecutor[msg.sender] && msg.sender != owner) revert NotExecutor(msg.sender);
        if (_lender != address(0)) revert FlashInProgress();
        uint256 length = plan.length;
        if (length < HEADER_BYTES + 2 * HOP_BYTES || (length - HEADER_BYTES) % HOP_BYTES != 0) {
            revert MalformedPlan(length);
        }
        uint256 n = (length - HEADER_BYTES) / HOP_BYTES;
        uint256 source;
        uint256 amountIn;
        uint256 minProfit;
        uint256 hops;
        assembly ("memory-safe") {
            let head := calldataload(plan.offset)
            source := shr(248, head)
            amountIn := shr(128, shl(8, head))
            minProfit := shr(128, calldataload(add(plan.offset, 17)))
            hops := add(plan.offset, HEADER_BYTES)
        }
        if (source != FLASH_V2_PAIR) revert UnsupportedFlashSource(source);

        // The flash swap's call, built in place: its `data` is the plan followed by the amount
        // each hop but the last pays out, so the callback neither re-reads reserves nor
        // recomputes. Memory: [head 164 bytes][plan][n − 1 words].
        uint256 dataLength = length + (n - 1) * 32;
        uint256 call_;
        assembly ("memory-safe") {
            call_ := mload(0x40)
            calldatacopy(add(call_, SWAP_HEAD_BYTES), plan.offset, length)
            mstore(0x40, add(add(call_, SWAP_HEAD_BYTES), add(dataLength, 32)))
        }
        uint256 amountOut = _quote(hops, n, amountIn, call_ + SWAP_HEAD_BYTES + length);
        // amountIn and minProfit are uint128, so the sum cannot overflow.
        if (amountOut < amountIn + minProfit) {
            revert InsufficientProfit(amountOut > amountIn ? amountOut - amountIn : 0, minProfit);
        }

        address lender = _pool(hops, n - 1);
        _lender = lender;
        bool zeroForOne = _tokenIn(hops, n - 1) < _tokenIn(hops, 0);
        _swap(call_, lender, zeroForOne, amountOut, address(this), dataLength);
        _lender = address(0);
        unchecked {
            return amountOut - amountIn;
        }
    }

    /// @notice The flash swap's callback (`IUniswapV2Callee`): pays the first pair and runs
    ///         every hop but the last, whose pair is the lender being repaid.
    function uniswapV2Call(address sender, uint256, uint256, bytes calldata data) external {
        if (msg.sender != _lender) revert UnexpectedCallback(msg.sender);
        if (sender != address(this)) revert ForeignInitiator(sender);
        // `data` is what `execute` built: a plan of n hops (33 + 64n bytes) then n − 1 amounts
        // (32 bytes each), 1 + 96n bytes in all.
        uint256 n = (data.length - 1) / 96;
        uint256 hops;
        uint256 amountIn;
        assembly ("memory-safe") {
            hops := add(data.offset, HEADER_BYTES)
            amountIn := shr(128, shl(8, calldataload(data.offset)))
        }
        address tokenA = _tokenIn(hops, 0);
        _checkGenuinePair(hops, n - 1, tokenA);

        _transfer(tokenA, _pool(hops, 0), amountIn);
        uint256 call_;
        assembly ("memory-safe") {
            call_ := mload(0x40)
            mstore(0x40, add(call_, SWAP_HEAD_BYTES))
        }
        uint256 amounts = hops + n * HOP_BYTES;
        address tokenIn = tokenA;
        address pool = _pool(hops, 0);
        for (uint256 i; i + 1 < n; ++i) {
            address tokenOut = _tokenIn(hops, i + 1);
            address next = _pool(hops, i + 1);
            uint256 amountOut;
            assembly ("memory-safe") {
                amountOut := calldataload(add(amounts, shl(5, i)))
            }
            _swap(call_, pool, tokenIn < tokenOut, amountOut, next, 0);
            tokenIn = tokenOut;
            pool = next;
        }
    }

    // ================================================================ admin (owner only)

    function setExecutor(address account, bool allowed) external onlyOwner {
        isExecutor[account] = allowed;
        emit ExecutorSet(account, allowed);
    }

    /// @notice Registers `factory` with its pairs' init code hash; a zero hash forgets it.
    function setFactory(address factory, bytes32 initCodeHash) external onlyOwner {
        initCodeHashOf[factory] = initCodeHash;
        emit FactorySet(factory, initCodeHash);
    }

    /// @notice First step of an ownership transfer; `newOwner` must call `acceptOwnership`.
    function transferOwnership(address newOwner) external onlyOwner {
        pendingOwner = newOwner;
        emit OwnershipTransferStarted(owner, newOwner);
    }

    function acceptOwnership() external {
        if (msg.sender != pendingOwner) revert NotPendingOwner(msg.sender);
        emit OwnershipTransferred(owner, msg.sender);
        owner = msg.sender;
        pendingOwner = address(0);
    }

    function withdraw(address token, uint256 amount, address to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        _transfer(token, to, amount);
        emit Withdrawn(token, to, amount);
    }

    function withdrawNative(uint256 amount, address payable to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert NativeTransferFailed();
        emit Withdrawn(address(0), to, amount);
    }

    // ================================================================ internals

    /// @dev Chains `getAmountOut` over the hops from live reserves; writes each amount but the
    ///      last at `amounts` (32 bytes apart) and returns the last, in the start token.
    function _quote(uint256 hops, uint256 n, uint256 amountIn, uint256 amounts)
        private
        view
        returns (uint256 amount)
    {
        amount = amountIn;
        address tokenIn = _tokenIn(hops, 0);
        address tokenA = tokenIn;
        for (uint256 i; i < n; ++i) {
            (address pool, uint256 kind, uint256 feePips) = _poolKindFee(hops, i);
            if (kind != KIND_UNISWAP_V2) revert UnsupportedHopKind(i, kind);
            address tokenOut = i + 1 < n ? _tokenIn(hops, i + 1) : tokenA;
            (uint256 reserve0, uint256 reserve1) = _reserves(pool);
            amount = tokenIn < tokenOut
                ? _getAmountOut(amount, reserve0, reserve1, feePips)
                : _getAmountOut(amount, reserve1, reserve0, feePips);
            if (i + 1 < n) {
                assembly ("memory-safe") {
                    mstore(add(amounts, shl(5, i)), amount)
                }
            }
            tokenIn = tokenOut;
        }
    }

    /// @dev `UniswapV2Library.getAmountOut` with the fee in pips: 997/1000 is 997000/1000000,
    ///      numerator and denominator scaled alike, so the result is the same to the wei.
    function _getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut, uint256 feePips)
        private
        pure
        returns (uint256)
    {
        uint256 amountInWithFee = amountIn * (PIPS - feePips);
        return (amountInWithFee * reserveOut) / (reserveIn * PIPS + amountInWithFee);
    }

    /// @dev Reverts unless the caller is the pair that `factory` (from the plan's last hop) would
    ///      deploy for the last hop's two tokens. Runs after `msg.sender == _lender`, so the plan
    ///      is the one `execute` was given.
    function _checkGenuinePair(uint256 hops, uint256 last, address tokenA) private view {
        address factory;
        assembly ("memory-safe") {
            factory := shr(96, calldataload(add(add(hops, shl(6, last)), 40)))
        }
        bytes32 initCodeHash = initCodeHashOf[factory];
        if (initCodeHash == bytes32(0)) revert UnknownFactory(factory);
        address tokenIn = _tokenIn(hops, last);
        (address token0, address token1) = tokenIn < tokenA ? (tokenIn, tokenA) : (tokenA, tokenIn);
        bytes32 salt = keccak256(abi.encodePacked(token0, token1));
        bytes32 create2 = keccak256(abi.encodePacked(hex"ff", factory, salt, initCodeHash));
        address pair = address(uint160(uint256(create2)));
        if (pair != msg.sender) revert NotGenuinePair(msg.sender);
    }

    function _pool(uint256 hops, uint256 i) private pure returns (address pool) {
        assembly ("memory-safe") {
            pool := shr(96, calldataload(add(hops, shl(6, i))))
        }
    }

    function _tokenIn(uint256 hops, uint256 i) private pure returns (address token) {
        assembly ("memory-safe") {
            token := shr(96, calldataload(add(add(hops, shl(6, i)), 20)))
        }
    }

    function _poolKindFee(uint256 hops, uint256 i)
        private
        pure
        returns (address pool, uint256 kind, uint256 feePips)
    {
        assembly ("memory-safe") {
            let hop := add(hops, shl(6, i))
            pool := shr(96, calldataload(hop))
            let meta := calldataload(add(hop, 60))
            kind := shr(248, meta)
            feePips := and(shr(224, meta), 0xffffff)
        }
    }

    function _reserves(address pool) private view returns (uint256 reserve0, uint256 reserve1) {
        bool ok;
        assembly ("memory-safe") {
            mstore(0, shl(224, GET_RESERVES_SELECTOR))
            // Yul evaluates arguments right to left: the staticcall runs before returndatasize.
            ok := and(gt(returndatasize(), 63), staticcall(gas(), pool, 0, 4, 0, 64))
            reserve0 := mload(0)
            reserve1 := mload(32)
        }
        if (!ok) revert NoReserves(pool);
    }

    /// @dev `pool.swap(amount0Out, amount1Out, to, data)` where `data` (`dataLength` bytes) is
    ///      already in memory after the 164-byte head at `call_`; bubbles up the pair's revert.
    function _swap(
        uint256 call_,
        address pool,
        bool zeroForOne,
        uint256 amountOut,
        address to,
        uint256 dataLength
    ) private {
        assembly ("memory-safe") {
            mstore(call_, shl(224, SWAP_SELECTOR))
            mstore(add(call_, 4), mul(amountOut, iszero(zeroForOne)))
            mstore(add(call_, 36), mul(amountOut, zeroForOne))
            mstore(add(call_, 68), to)
            mstore(add(call_, 100), 0x80)
            mstore(add(call_, 132), dataLength)
            if iszero(call(gas(), pool, 0, call_, add(SWAP_HEAD_BYTES, dataLength), 0, 0)) {
                returndatacopy(call_, 0, returndatasize())
                revert(call_, returndatasize())
            }
        }
    }

    /// @dev ERC-20 `transfer` that accepts tokens returning nothing or `true`; bubbles up a
    ///      revert and fails on `false`.
    function _transfer(address token, address to, uint256 amount) private {
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, shl(224, TRANSFER_SELECTOR))
            mstore(add(p, 4), to)
            mstore(add(p, 36), amount)
            mstore(0, 0)
            if iszero(call(gas(), token, 0, p, 68, 0, 32)) {
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
            ok := or(iszero(returndatasize()), eq(mload(0), 1))
        }
        if (!ok) revert TransferFailed(token);
    }
}
