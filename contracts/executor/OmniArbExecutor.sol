// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {BalancerOps} from "./BalancerOps.sol";
import {IAaveV3Pool, IBalancerVault, IPoolManager, IUniswapV3Flash} from "./FlashLenders.sol";
import {PlanCalldata as Plan} from "./PlanCalldata.sol";
import {PoolOps} from "./PoolOps.sol";
import {V4Ops} from "./V4Ops.sol";

/// @title OmniArbExecutor
/// @notice Runs one arbitrage cycle through Uniswap V2 pairs, Uniswap V3 pools and Algebra
///         Integral pools atomically, with capital borrowed from one of four flash lenders, and
///         reverts unless the cycle ends with at least `minProfit` of its start token after paying the lender's fee.
///
/// @dev THE PLAN. `execute(bytes plan)` takes one packed byte string (built by
///      `omniarb/execute/route_codec.py`):
///
///          offset  size  field
///          0       1     flash source   0 = Uniswap V2 flash swap: from a pair of the route, or
///                                           from the pair of a lender record
///                                       1 = Balancer V2 Vault `flashLoan` (registered Vault)
///                                       2 = Aave V3 `flashLoanSimple` (registered Pool)
///                                       3 = `flash` from the V3 or Algebra pool of a lender
///                                           record (the same call; Algebra's fee is its own)
///                                       4 = Uniswap V4 PoolManager: `take` inside `unlock`, no
///                                           fee (the manager of a lender record)
///                                       5 = no loan: this contract's own balance of the
///                                           start token (its inventory), no fee, no record
///          1       16    amountIn       uint128, of the start token, put into the first hop
///          17      16    minProfit      uint128, in the start token, net of the lender's fee
///          33      8     deadlineBlock  uint64: the last block the trade may run in; `execute`
///                                       reverts `Expired` in any later block, before it reads
///                                       anything else or borrows (a late trade pays the least gas)
///          41      64·n  n ≥ 2 hops, each 64 bytes:
///                  +0    20  pool       the pair or pool to swap through
///                  +20   20  tokenIn    the token this hop sells; the hop buys the next hop's
///                                       tokenIn (the last hop buys hop 0's tokenIn: a cycle)
///                  +40   20  factory    the factory that deployed `pool` (for PancakeSwap V3
///                                       and Algebra: the pool deployer, which CREATE2-deploys
///                                       the pools)
///                  +60   1   kind       0 = Uniswap V2 pair, 1 = Uniswap V3 pool or a fork
///                                       with v3-core's swap (PancakeSwap V3, whose callbacks
///                                       are aliases here), 2 = Algebra Integral pool (the
///                                       same swap call; a pool per pair, no fee in its salt),
///                                       3 = Uniswap V4 hookless pool; with bit 6
///                                       (NATIVE_IN) or bit 5 (NATIVE_OUT) set, its input or
///                                       output side is the pool's native coin (currency 0),
///                                       which the plan names by the wrapped native token;
///                                       4 = Balancer V2 pool (a `Vault.swap`; the factory
///                                       field is the Vault)
///                  +61   3   feePips    uint24, swap fee in hundredths of a basis point
///                                       (V2 0.3% = 3000, a 0.25% fork = 2500; V3 the pool's fee;
///                                       V4 the key's LP fee)
///                  A V4 hop's pool field is not an address (V4 pools live inside the
///                  PoolManager, the factory field): it is the leading 17 bytes of the pool id
///                  ‖ the key's tick spacing (int24). The executor builds the key from the
///                  hop's two tokens, that fee and spacing and no hooks, and requires its id to
///                  start with those 17 bytes; a flagged side is the native coin (address
///                  zero) in the key, and the hop's token there must be the registered wrapped
///                  native token, unwrapped into the manager (WETH9 `withdraw`, then `settle`
///                  with value) and wrapped out of it (`take`, then `deposit`). A Balancer hop's
///                  factory field is the Vault its pool is registered with (marked
///                  BALANCER_VAULT in the registry); its fee field is not read (the pool applies
///                  its own fee).
///          41+64n  64    lender record (source 3 always, source 0 optionally), in the hop
///                        layout: the pool to borrow the start token from, its OTHER token in
///                        the tokenIn field, its factory, kind 0x80 | pool kind (0x80 a V2 pair
///                        for source 0, 0x81 a V3 pool or 0x82 an Algebra pool for source 3:
///                        bit 7 marks a record, so no hop can pass for one) and its fee. Source
///                        4's record is 0x83 with the PoolManager in its pool and factory fields
///                        (the manager lends any token it holds; the tokenIn field is the start
///                        token; fee 0).
///
///      Directions are not encoded but derived from the two tokens of each hop (token0 is the
///      smaller address in both protocols), so a plan cannot name a direction its tokens
///      contradict.
///
///      THE FLOWS (cycle A → B → … → A through pools P0 … Pn−1).
///      Source 0, every hop V2, no record (the cheapest path, unchanged since issue #5):
///      1. `execute` chains `getAmountOut` over every pair's live reserves (UniswapV2Library's
///         formula, each hop's fee) and reverts `InsufficientProfit` before any token moves if
///         the final amount of A is short of amountIn + minProfit.
///      2. It flash-borrows that final amount of A from the LAST pair Pn−1, which calls back
///         `uniswapV2Call`; the callback pays amountIn of A into P0 and runs P0 … Pn−2 pair to
///         pair, so Pn−2's output repays Pn−1 in its input token. No token but A passes through
///         this contract.
///      Source 0 with V3 hops, no record: a V3 hop's output cannot be priced up front, so the
///      lender is the FIRST hop (which must be V2): P0 sends its output for amountIn (priced on
///      its reserves) and calls back; the callback runs hops 1 … n−1, checks the profit and
///      repays P0 with amountIn of A. No fee beyond P0's swap fee, which is the hop's own.
///      Source 0 with a record: a flash loan from a V2 pair outside the route: borrow amountIn
///      of A, run every hop, repay ceil(amountIn · 10^6 / (10^6 − fee)) of A, the least that
///      passes the pair's fee-adjusted constant-product check (UniswapV2Pair.swap).
///      Sources 1, 2, 3: borrow amountIn of A from the lender, run every hop, check the profit
///      net of the fee, repay amountIn + fee (Balancer and V3 by transfer, Aave by approval).
///      Source 4, and source 0 when hop 0 is a V4 pool (its manager lends, as a V2 pair's flash
///      swap does): inside one `unlock` of the (registered) PoolManager, hop 0 runs on amountIn
///      of A the manager is owed (a V4 hop simply swaps; another hop's input is `take`n from
///      the manager), every hop runs, and the profit is checked; the debt of amountIn is then
///      repaid by `settle`, or netted against a final V4 hop's output, the profit `take`n.
///      No fee.
///      Source 5 (inventory): no lender and no callback. The hops run on amountIn of A this
///      contract already holds (accumulated profit, or tokens the owner sent it), exactly as
///      they run inside a loan's callback, and the profit is checked the same way: the final
///      amount of A must cover amountIn + minProfit, or the whole trade reverts and the
///      inventory is untouched. What it saves is the lender's fee and the loan's own calls.
///      V4 hops: whatever the loan, the hops of a route with any V4 hop run inside one
///      `unlock` of their PoolManager (`unlockCallback`), all V4 hops of a plan in the same
///      manager. A V4 hop's input is a credit in the manager (a V2 or V3 hop before it pays its
///      output to the manager between `sync` and `settle`; a V4 hop's output is left there), and
///      its output stays a credit for a following V4 hop, else is `take`n to the next pair, or
///      to this contract. `unlock` reverts unless every currency is settled when it returns.
///      The native coin's side of a V4 hop is the one exception: its input is held here as the
///      wrapped token and unwrapped into the manager, its output is taken here and wrapped,
///      then sent on like any other hop's output; a loan that hop 0 sells the native coin
///      borrows the native coin, repaid the same way. Native coin only passes through: every
///      wei this contract receives (only from the unlocked manager and the registered wrapped
///      native token) is settled or wrapped in the same call.
///      Running hops: a V2 hop is priced on its live reserves and swapped; a V3 hop calls
///      `pool.swap` (exact input, no price limit) and pays in `uniswapV3SwapCallback` (an
///      Algebra hop: the same call, paid in `algebraSwapCallback`); a Balancer hop is one
///      `Vault.swap` (GIVEN_IN, the pool's id from `getPoolId`), the Vault pulling the input
///      from this contract (BalancerOps) and paying the output to the next pool. The Vault
///      guards `swap` and `flashLoan` with one reentrancy lock, so a route through a Balancer
///      pool cannot borrow from that Vault (source 1): it reverts BAL#400. Each
///      hop's output goes straight to the next pool when that is a V2 pair (which is paid before
///      its swap), and to this contract otherwise (a V3 pool takes its input in the callback).
///      The pools of a plan must be distinct, and a lender must not be one of them (V2 and V3
///      lenders are locked during the loan; a repeated pair is priced on stale reserves); a
///      repeat reverts, never loses.
///
///      PROFIT stays in this contract until the owner calls `withdraw`; keeping it saves a
///      transfer and a cold balance write per trade.
///
///      THE BRIBE. `executeAndPayCoinbase(plan, bribeBps)` trades the same plan, then pays
///      floor(profit · bribeBps / 10,000) to `block.coinbase` in the native coin (WETH9
///      `withdraw` of that much of the start token, which must be the registered wrapped
///      native token, then a plain call with value) and logs `BribePaid`; the contract keeps
///      profit − bribe. A block builder ranks bundles by what the coinbase receives, and a
///      trade that loses the race, or fails its profit check, reverts and pays nothing.
///
///      SECURITY. `execute` is open to the owner and to authorized executors only. Every
///      callback first requires `msg.sender` to be the one contract a trade of ours is waiting
///      on right now, held in transient storage (EIP-1153: empty outside `execute`): the lender
///      while the loan is out, then each V3 pool while it swaps. Pools are proven genuine by
///      CREATE2 — the address keccak256(0xff ‖ factory ‖ salt ‖ initCodeHash), salt
///      keccak256(token0 ‖ token1) for a V2 pair and keccak256(abi.encode(token0, token1, fee))
///      for a V3 pool, keccak256(abi.encode(token0, token1)) for an Algebra pool (whose
///      registered address is its pool deployer), must be the pool, with the init code hash from the owner-managed factory
///      registry: the last-pair lender of an all-V2 route in its callback, every other pool and
///      lender before it is called (so a fake pool is never called at all, and every amount
///      used is one a genuine pool pays). A V4 PoolManager is registered in the same registry
///      with the mark POOL_MANAGER in place of an init code hash (its pools have none: they
///      live in its storage); a V4 hop or loan is refused unless its manager is so registered,
///      and the executor only ever swaps hookless pools of it (the key it builds has no hooks),
///      which run the manager's own code; `unlockCallback` must come from the manager being
///      unlocked now. The Balancer Vault and the Aave Pool are
///      owner-registered addresses; Aave must also name this contract as the initiator. Each
///      lender calls back once per loan (Balancer is `nonReentrant`, V2 and V3 pools lock
///      themselves). Every path checks the profit before it repays, so a trade only adds to
///      the contract's balance of A; the only tokens it pays out are the borrowed ones, what
///      genuine V3 pools ask in their callback, what it settles with a registered PoolManager
///      for a V4 swap's input, and the lender's repayment. The wrapped native token is
///      registered too, with the mark WRAPPED_NATIVE: only it is unwrapped and wrapped.
contract OmniArbExecutor {
    // ---------------------------------------------------------------- plan constants
    uint256 private constant FLASH_V2_PAIR = 0;
    uint256 private constant FLASH_BALANCER = 1;
    uint256 private constant FLASH_AAVE_V3 = 2;
    uint256 private constant FLASH_UNISWAP_V3 = 3;
    uint256 private constant FLASH_UNISWAP_V4 = 4;
    uint256 private constant FLASH_INVENTORY = 5;
    uint256 private constant KIND_UNISWAP_V2 = 0;
    uint256 private constant KIND_UNISWAP_V3 = 1;
    uint256 private constant KIND_ALGEBRA = 2;
    uint256 private constant KIND_UNISWAP_V4 = 3;
    uint256 private constant KIND_BALANCER = 4;
    /// @dev Kind-byte flags of a V4 hop (PlanCalldata.NATIVE_FLAGS): its input or its output
    ///      is the native coin, currency 0 of the pool.
    uint256 private constant NATIVE_IN = 0x40;
    uint256 private constant NATIVE_OUT = 0x20;
    uint256 private constant HEADER_BYTES = 41;
    uint256 private constant HOP_BYTES = 64;
    /// @dev Kind bytes of lender records: 0x80 | the pool's kind.
    uint256 private constant RECORD_V2_PAIR = 0x80;
    uint256 private constant RECORD_V3_POOL = 0x81;
    uint256 private constant RECORD_ALGEBRA_POOL = 0x82;
    uint256 private constant RECORD_V4_MANAGER = 0x83;
    /// @notice What the registry holds for a Uniswap V4 PoolManager in place of an init code
    ///         hash: keccak256("omniarb: Uniswap V4 PoolManager").
    bytes32 public constant POOL_MANAGER =
        0x2209bff7c31185f94941a83abe63cc0e11c08f4c1104bcc0d28c0137e7df7723;
    /// @notice What the registry holds for a Balancer V2 Vault, whose pools a Balancer hop
    ///         swaps: keccak256("omniarb: Balancer V2 Vault").
    bytes32 public constant BALANCER_VAULT =
        0x8296425cbb0a86b6845cb9a0fb20303dc7a2fd2913b0a61e75dfb975fae6bc3b;
    /// @notice What the registry holds for the chain's wrapped native token (WETH9's
    ///         `deposit`/`withdraw`): keccak256("omniarb: wrapped native coin").
    bytes32 public constant WRAPPED_NATIVE =
        0xff3c4b505df102d1916a759d03b9b97c85f67b4387524750864a63210a6da9ad;
    /// @dev What an `unlock` of ours does in its callback: run hops on what this contract
    ///      holds (the amount out left in `_amountOut`), or borrow from the manager and repay it.
    uint256 private constant UNLOCK_RUN = 0;
    uint256 private constant UNLOCK_FLASH = 1;
    /// @dev Byte 0 of a V2 flash swap's `data` other than the all-V2 path's (whose byte 0 is the
    ///      plan's source, 0): the lender is hop 0, or the pair of a lender record. Neither is a
    ///      flash source, so the callback cannot mistake one layout for another.
    uint256 private constant MARK_FIRST_PAIR = 0xff;
    uint256 private constant MARK_RECORD_PAIR = 0xfe;
    /// @dev `_quote`'s answer when it meets a V3 hop or a lender record: not the all-V2 path.
    uint256 private constant NOT_ALL_V2 = type(uint256).max;
    uint256 private constant SWAP_HEAD_BYTES = 164;
    /// @dev A bribe's share of the profit is in basis points of it.
    uint256 private constant BPS = 10_000;
    /// @dev WETH9 `withdraw(uint256)`.
    uint256 private constant WITHDRAW_SELECTOR = 0x2e1a7d4d;
    /// @dev What `_callbackFrom` holds while a bribe is paid: nonzero, so `execute` refuses to
    ///      start, and an address no contract calls from (the ecrecover precompile), so every
    ///      callback refuses.
    address private constant BRIBE_LOCK = address(1);

    // ---------------------------------------------------------------- state
    address public owner;
    address public pendingOwner;
    mapping(address account => bool allowed) public isExecutor;
    mapping(address factory => bytes32 initCodeHash) public initCodeHashOf;
    /// @notice The only Balancer V2 Vault flash source 1 borrows from (zero: disabled).
    address public balancerVault;
    /// @notice The only Aave V3 Pool (proxy) flash source 2 borrows from (zero: disabled).
    address public aavePool;
    /// @dev The contract a callback may come from now; zero whenever no trade is in progress.
    address private transient _callbackFrom;
    /// @dev Profit of the trade in progress, set by the callback that checked it.
    uint256 private transient _profit;
    /// @dev The V4 PoolManager unlocked by the trade in progress (zero outside `unlock`).
    address private transient _manager;
    /// @dev What the hops run in an `unlock` paid out, in the start token.
    uint256 private transient _amountOut;

    // ---------------------------------------------------------------- events
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event ExecutorSet(address indexed account, bool allowed);
    event FactorySet(address indexed factory, bytes32 initCodeHash);
    event LenderSet(uint256 indexed source, address lender);
    event Withdrawn(address indexed token, address indexed to, uint256 amount);
    /// @notice A trade paid `amountWei` of the native coin to the block's `coinbase`.
    event BribePaid(address indexed coinbase, uint256 amountWei);

    // ---------------------------------------------------------------- errors
    error NotOwner(address caller);
    error NotPendingOwner(address caller);
    error NotExecutor(address caller);
    error ZeroAddress();
    error LengthMismatch();
    error MalformedPlan(uint256 length);
    error UnsupportedFlashSource(uint256 source);
    error UnsupportedHopKind(uint256 hop, uint256 kind);
    error LenderNotSet(uint256 source);
    error NoV2Lender();
    error InsufficientProfit(uint256 profit, uint256 minProfit);
    /// @notice The plan's deadline block has passed: the trade was priced for earlier blocks.
    error Expired(uint256 blockNumber, uint256 deadline);
    error FlashInProgress();
    error UnexpectedCallback(address caller);
    error ForeignInitiator(address sender);
    error UnknownFactory(address factory);
    error NotGenuinePair(address pool);
    error NotGenuinePool(address pool);
    error NativeTransferFailed();
    error NotWrappedNative(address token);
    /// @notice A bribe share above 10,000 basis points (all of the profit).
    error BribeTooLarge(uint256 bribeBps);
    /// @notice Only a route that starts in the registered wrapped native token may bribe: the
    ///         bribe is paid in the native coin, unwrapped from the profit.
    error BribeNotInNativeCoin(address startToken);
    /// @notice The block's coinbase refused the native coin (a contract that reverts).
    error BribeNotAccepted(address coinbase);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @param owner_ Receives every admin right; it may also call `execute`.
    /// @param executors_ Accounts allowed to call `execute` from the start.
    /// @param factories_ Known V2 and V3 factories, paired with `initCodeHashes_` (the init code
    ///        hash of their pairs or pools), so a deployment is ready to trade in one transaction.
    /// @param balancerVault_ The Balancer V2 Vault to borrow from, or zero.
    /// @param aavePool_ The Aave V3 Pool (proxy) to borrow from, or zero.
    constructor(
        address owner_,
        address[] memory executors_,
        address[] memory factories_,
        bytes32[] memory initCodeHashes_,
        address balancerVault_,
        address aavePool_
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
        if (balancerVault_ != address(0)) _setBalancerVault(balancerVault_);
        if (aavePool_ != address(0)) _setAavePool(aavePool_);
    }

    /// @notice Native coin comes only from the PoolManager a trade has unlocked (a V4 hop's
    ///         output) and from the registered wrapped native token (unwrapped for a V4 hop's
    ///         input, its registry slot read just before: warm, so this fits WETH9's 2,300-gas
    ///         `transfer`); either is settled or wrapped again at once.
    receive() external payable {
        if (msg.sender != _manager && initCodeHashOf[msg.sender] != WRAPPED_NATIVE) {
            revert UnexpectedCallback(msg.sender);
        }
    }

    // ================================================================ trading

    /// @notice Trades the cycle described by `plan` (layout in the contract's notes) and returns
    ///         the profit kept, in base units of the start token, net of the lender's fee.
    /// @dev Public, not external, only so `executeAndPayCoinbase` can run the very same body:
    ///      the external entry (dispatch, decoding, this code) is what it was, and so is its gas.
    function execute(bytes calldata plan) public returns (uint256 profit) {
        // Executors are checked first: the bot is one, so its call costs one cold read.
        if (!isExecutor[msg.sender] && msg.sender != owner) revert NotExecutor(msg.sender);
        uint256 source;
        uint256 amountIn;
        uint256 minProfit;
        uint256 hops;
        uint256 deadline;
        assembly ("memory-safe") {
            let head := calldataload(plan.offset)
            source := shr(248, head)
            amountIn := shr(128, shl(8, head))
            minProfit := shr(128, calldataload(add(plan.offset, 17)))
            deadline := shr(192, calldataload(add(plan.offset, 33)))
            hops := add(plan.offset, HEADER_BYTES)
        }
        // Before anything else: a trade priced for earlier blocks must not run on later state.
        if (block.number > deadline) revert Expired(block.number, deadline);
        if (_callbackFrom != address(0)) revert FlashInProgress();
        if (source != FLASH_V2_PAIR) return _borrowAndTrade(plan, source, amountIn, hops);
        uint256 length = plan.length;
        if (length < HEADER_BYTES + 2 * HOP_BYTES || (length - HEADER_BYTES) % HOP_BYTES != 0) {
            revert MalformedPlan(length);
        }
        uint256 n = (length - HEADER_BYTES) / HOP_BYTES;

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
        if (amountOut == NOT_ALL_V2) {
            if (Plan.kind(hops, n - 1) == RECORD_V2_PAIR) {
                return _flashFromRecordPair(call_, hops, n - 1, amountIn, length);
            }
            if (Plan.kind(hops, 0) != KIND_UNISWAP_V4) {
                return _flashFromFirstPair(call_, hops, n, amountIn, length);
            }
            // Hop 0's PoolManager lends its input: a V4 swap pays out before it is paid.
            _unlock(plan, Plan.factory(hops, 0), UNLOCK_FLASH, 0, n, amountIn);
            // The lock's own release: every callback during the loan checked it (slither).
            // slither-disable-next-line reentrancy-no-eth
            _callbackFrom = address(0);
            return _profit;
        }
        // amountIn and minProfit are uint128, so the sum cannot overflow.
        if (amountOut < amountIn + minProfit) {
            revert InsufficientProfit(amountOut > amountIn ? amountOut - amountIn : 0, minProfit);
        }

        // Not zero: `_quote` read the lender's reserves, which address zero has none of.
        // slither-disable-next-line missing-zero-check
        address lender = Plan.pool(hops, n - 1);
        _callbackFrom = lender;
        bool zeroForOne = Plan.tokenIn(hops, n - 1) < Plan.tokenIn(hops, 0);
        PoolOps.v2Swap(call_, lender, zeroForOne, amountOut, address(this), dataLength);
        _callbackFrom = address(0);
        unchecked {
            return amountOut - amountIn;
        }
    }

    /// @notice Trades `plan` as `execute` does, then pays `bribeBps` / 10,000 of the profit
    ///         (rounded down) to `block.coinbase` in the native coin; returns the profit the
    ///         trade made and the bribe paid out of it (the contract keeps the difference).
    /// @dev The one place every flash source's profit is known (each path returns it to
    ///      `execute`), so every loan pays the same way, after its profit check: a trade that
    ///      fails it reverts whole and pays nothing. The bribe is unwrapped from the start token,
    ///      which must be the registered wrapped native token (the engine only bribes routes
    ///      that start in it: a builder ranks bundles by the native coin it receives, and any
    ///      other token would need a swap priced on chain). bribeBps 0 pays nothing and checks
    ///      nothing: it is `execute`. The coinbase may be a contract: it is called last (the
    ///      trade, the unwrapping and the log are done), with no return data copied, and the
    ///      lock held meanwhile makes `execute` refuse (FlashInProgress) and every callback
    ///      refuse it (it is not `_callbackFrom`), so it cannot re-enter a trade.
    function executeAndPayCoinbase(bytes calldata plan, uint256 bribeBps)
        external
        returns (uint256 profit, uint256 bribe)
    {
        if (bribeBps > BPS) revert BribeTooLarge(bribeBps);
        profit = execute(plan);
        if (bribeBps == 0) return (profit, 0);
        address tokenA;
        assembly ("memory-safe") {
            tokenA := shr(96, calldataload(add(plan.offset, add(HEADER_BYTES, 20))))
        }
        if (initCodeHashOf[tokenA] != WRAPPED_NATIVE) revert BribeNotInNativeCoin(tokenA);
        // profit is wrapped native coin this contract received: no real supply of it comes
        // near 2**256 / BPS, so the product cannot overflow.
        unchecked {
            bribe = profit * bribeBps / BPS;
        }
        if (bribe == 0) return (profit, 0);
        // WETH9 `withdraw(bribe)`, built in the scratch space: no memory expansion, so the
        // bribe costs the same gas whatever memory the loan's path used.
        assembly ("memory-safe") {
            mstore(0, shl(224, WITHDRAW_SELECTOR))
            mstore(4, bribe)
            if iszero(call(gas(), tokenA, 0, 0, 36, 0, 0)) {
                let p := mload(0x40)
                returndatacopy(p, 0, returndatasize())
                revert(p, returndatasize())
            }
        }
        address builder = block.coinbase;
        // `emit BribePaid(builder, bribe)`, its data in the scratch space too.
        bytes32 topic = BribePaid.selector;
        assembly ("memory-safe") {
            mstore(0, bribe)
            log2(0, 32, topic, builder)
        }
        // The lock itself, set after the trade's calls so the coinbase cannot re-enter (slither).
        // slither-disable-next-line reentrancy-no-eth
        _callbackFrom = BRIBE_LOCK;
        bool paid;
        assembly ("memory-safe") {
            paid := call(gas(), builder, bribe, 0, 0, 0, 0)
        }
        if (!paid) revert BribeNotAccepted(builder);
        _callbackFrom = address(0);
        // The two return words from the scratch space as well.
        assembly ("memory-safe") {
            mstore(0, profit)
            mstore(32, bribe)
            return(0, 64)
        }
    }

    /// @notice The V2 flash swap's callback (`IUniswapV2Callee`). For an all-V2 route it pays
    ///         the first pair and runs every hop but the last, whose pair is the lender being
    ///         repaid; the other two V2 loans (byte 0 of `data` marks them) are in `_v2Loan`.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data)
        external
    {
        if (msg.sender != _callbackFrom) revert UnexpectedCallback(msg.sender);
        if (sender != address(this)) revert ForeignInitiator(sender);
        uint256 head;
        assembly ("memory-safe") {
            head := calldataload(data.offset)
        }
        if (head >> 248 != FLASH_V2_PAIR) return _v2Loan(data, head >> 248, amount0 + amount1);
        // `data` is what `execute` built: a plan of n hops (41 + 64n bytes) then n − 1 amounts
        // (32 bytes each), 9 + 96n bytes in all.
        uint256 n = (data.length - 9) / 96;
        uint256 hops;
        uint256 amountIn;
        assembly ("memory-safe") {
            hops := add(data.offset, HEADER_BYTES)
            amountIn := shr(128, shl(8, head))
        }
        address tokenA = Plan.tokenIn(hops, 0);
        _checkGenuinePair(hops, n - 1, tokenA);

        PoolOps.transfer(tokenA, Plan.pool(hops, 0), amountIn);
        uint256 call_;
        assembly ("memory-safe") {
            call_ := mload(0x40)
            mstore(0x40, add(call_, SWAP_HEAD_BYTES))
        }
        // n counts hops: the exact quotient of a length `execute` built, not a rounded amount.
        // slither-disable-next-line divide-before-multiply
        uint256 amounts = hops + n * HOP_BYTES;
        address tokenIn = tokenA;
        address pool = Plan.pool(hops, 0);
        for (uint256 i; i + 1 < n; ++i) {
            address tokenOut = Plan.tokenIn(hops, i + 1);
            address next = Plan.pool(hops, i + 1);
            uint256 amountOut;
            assembly ("memory-safe") {
                amountOut := calldataload(add(amounts, shl(5, i)))
            }
            PoolOps.v2Swap(call_, pool, tokenIn < tokenOut, amountOut, next, 0);
            tokenIn = tokenOut;
            pool = next;
        }
    }

    /// @notice A V3 pool's swap callback (`IUniswapV3SwapCallback`): `_paySwap` pays it.
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data)
        external
    {
        _paySwap(amount0Delta, amount1Delta, data);
    }

    /// @notice PancakeSwap V3's name for the same callback (`IPancakeV3SwapCallback`): its pools
    ///         run v3-core's swap, and are proven genuine the same way (CREATE2 of the
    ///         registered pool deployer).
    function pancakeV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data)
        external
    {
        _paySwap(amount0Delta, amount1Delta, data);
    }

    /// @notice Algebra Integral's name for the same callback (`IAlgebraSwapCallback`): its
    ///         pools take `swap(recipient, zeroToOne, amountRequired, limitSqrtPrice, data)`,
    ///         v3-core's call, and are proven genuine by CREATE2 of the registered pool deployer
    ///         over keccak256(abi.encode(token0, token1)).
    function algebraSwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata data)
        external
    {
        _paySwap(amount0Delta, amount1Delta, data);
    }

    /// @notice Balancer V2 Vault's flash-loan callback (`IFlashLoanRecipient`).
    function receiveFlashLoan(
        address[] calldata,
        uint256[] calldata,
        uint256[] calldata feeAmounts,
        bytes calldata userData
    ) external {
        if (msg.sender != _callbackFrom) revert UnexpectedCallback(msg.sender);
        (address tokenA, uint256 owed) = _tradeBorrowed(userData, 0, feeAmounts[0]);
        PoolOps.transfer(tokenA, msg.sender, owed);
    }

    /// @notice Aave V3's `flashLoanSimple` callback (`IFlashLoanSimpleReceiver`); the Pool
    ///         pulls amount + premium with the approval given here: exactly what it is owed,
    ///         which its pull right after spends to zero, so no allowance outlives the trade.
    function executeOperation(
        address asset,
        uint256,
        uint256 premium,
        address initiator,
        bytes calldata params
    ) external returns (bool) {
        if (msg.sender != _callbackFrom) revert UnexpectedCallback(msg.sender);
        if (initiator != address(this)) revert ForeignInitiator(initiator);
        (, uint256 owed) = _tradeBorrowed(params, 0, premium);
        PoolOps.approve(asset, msg.sender, owed);
        return true;
    }

    /// @notice A V3 pool's flash callback (`IUniswapV3FlashCallback`); the plan's lender record
    ///         says which side of the pool the start token is.
    function uniswapV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external {
        _repayPoolFlash(fee0, fee1, data);
    }

    /// @notice PancakeSwap V3's name for the same callback (`IPancakeV3FlashCallback`).
    function pancakeV3FlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external {
        _repayPoolFlash(fee0, fee1, data);
    }

    /// @notice Algebra Integral's flash callback (`IAlgebraFlashCallback`): the fees are the
    ///         pool's (`Constants.FLASH_FEE`, 0.01%, not its swap fee), repaid as asked.
    function algebraFlashCallback(uint256 fee0, uint256 fee1, bytes calldata data) external {
        _repayPoolFlash(fee0, fee1, data);
    }

    /// @notice The V4 PoolManager's `unlock` callback (`IUnlockCallback`): `data` is the plan,
    ///         then the amount put in and a word (mode << 16 | first hop << 8 | hops). Runs the
    ///         hops (UNLOCK_RUN: on what this contract holds, leaving the start token here and
    ///         the amount in `_amountOut`; UNLOCK_FLASH: on amountIn owed to the manager, which
    ///         is repaid after the profit check).
    function unlockCallback(bytes calldata data) external returns (bytes memory) {
        if (msg.sender != _callbackFrom) revert UnexpectedCallback(msg.sender);
        uint256 amount;
        uint256 meta;
        uint256 hops;
        assembly ("memory-safe") {
            let trailer := add(data.offset, sub(data.length, 64))
            amount := calldataload(trailer)
            meta := calldataload(add(trailer, 32))
            hops := add(data.offset, HEADER_BYTES)
        }
        bool flash = meta >> 16 == UNLOCK_FLASH;
        (uint256 amountOut, bool credit) =
            _runHops(hops, meta & 0xff, (meta >> 8) & 0xff, amount, flash);
        address tokenA = Plan.tokenIn(hops, 0);
        if (!flash) {
            if (credit) V4Ops.take(msg.sender, tokenA, address(this), amountOut);
            _amountOut = amountOut;
            return "";
        }
        (,, uint256 minProfit,) = Plan.header(_offset(data));
        // `amount` is amountIn: the manager is owed it, and keeps it now. A V4 hop 0 that sells
        // the native coin borrowed it as the native coin.
        _settle(amountOut, amount, minProfit);
        bool nativeDebt =
            Plan.kind(hops, 0) == KIND_UNISWAP_V4 && Plan.native(hops, 0) & NATIVE_IN != 0;
        if (credit && !nativeDebt) {
            // The final V4 hop's output nets against the debt: only the profit leaves.
            unchecked {
                if (amountOut > amount) {
                    V4Ops.take(msg.sender, tokenA, address(this), amountOut - amount);
                }
            }
        } else {
            if (credit) V4Ops.take(msg.sender, tokenA, address(this), amountOut);
            _payManager(msg.sender, tokenA, amount, nativeDebt);
        }
        return "";
    }

    // ================================================================ callbacks' bodies

    /// @dev A V3 pool's swap callback: pays the pool the input it asks, in the hop's token
    ///      (`data`, one word). Only the pool `_runHops` is swapping through right now may
    ///      call, and `_runHops` proved it genuine first.
    function _paySwap(int256 amount0Delta, int256 amount1Delta, bytes calldata data) private {
        if (msg.sender != _callbackFrom) revert UnexpectedCallback(msg.sender);
        address tokenIn;
        assembly ("memory-safe") {
            tokenIn := calldataload(data.offset)
        }
        PoolOps.transfer(
            tokenIn, msg.sender, uint256(amount0Delta > 0 ? amount0Delta : amount1Delta)
        );
    }

    /// @dev A V3 pool's flash callback: trade, then repay the loan and the pool's fee.
    function _repayPoolFlash(uint256 fee0, uint256 fee1, bytes calldata data) private {
        if (msg.sender != _callbackFrom) revert UnexpectedCallback(msg.sender);
        uint256 record = (data.length - HEADER_BYTES) / HOP_BYTES - 1;
        uint256 hops;
        assembly ("memory-safe") {
            hops := add(data.offset, HEADER_BYTES)
        }
        // The record is the last 64 bytes: its tokenIn field is the pool's other token.
        bool borrowed0 = Plan.tokenIn(hops, 0) < Plan.tokenIn(hops, record);
        (address tokenA, uint256 owed) = _tradeBorrowed(data, 1, borrowed0 ? fee0 : fee1);
        PoolOps.transfer(tokenA, msg.sender, owed);
    }

    // ================================================================ admin (owner only)

    function setExecutor(address account, bool allowed) external onlyOwner {
        isExecutor[account] = allowed;
        emit ExecutorSet(account, allowed);
    }

    /// @notice Registers `factory` with its pairs' (V2) or pools' (V3) init code hash (a V4
    ///         PoolManager with POOL_MANAGER, the wrapped native token with WRAPPED_NATIVE); a
    ///         zero hash forgets it.
    function setFactory(address factory, bytes32 initCodeHash) external onlyOwner {
        initCodeHashOf[factory] = initCodeHash;
        emit FactorySet(factory, initCodeHash);
    }

    /// @notice The Balancer V2 Vault of flash source 1; zero disables the source.
    function setBalancerVault(address vault) external onlyOwner {
        _setBalancerVault(vault);
    }

    /// @notice The Aave V3 Pool (proxy) of flash source 2; zero disables the source.
    function setAavePool(address pool) external onlyOwner {
        _setAavePool(pool);
    }

    /// @notice First step of an ownership transfer; `newOwner` must call `acceptOwnership`.
    ///         Zero cancels a transfer in progress (no one can accept as address zero).
    // slither-disable-next-line missing-zero-check
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
        PoolOps.transfer(token, to, amount);
        emit Withdrawn(token, to, amount);
    }

    function withdrawNative(uint256 amount, address payable to) external onlyOwner {
        if (to == address(0)) revert ZeroAddress();
        // Logged before the call (a failed call reverts the log too), so no event follows it.
        emit Withdrawn(address(0), to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert NativeTransferFailed();
    }

    // ================================================================ internals

    function _setBalancerVault(address vault) private {
        balancerVault = vault;
        emit LenderSet(FLASH_BALANCER, vault);
    }

    function _setAavePool(address pool) private {
        aavePool = pool;
        emit LenderSet(FLASH_AAVE_V3, pool);
    }

    function _offset(bytes calldata data) private pure returns (uint256 offset) {
        assembly ("memory-safe") {
            offset := data.offset
        }
    }

    /// @dev Chains `getAmountOut` over the hops from live reserves; writes each amount but the
    ///      last at `amounts` (32 bytes apart) and returns the last, in the start token — or
    ///      NOT_ALL_V2 at the first V3 or V4 hop (whose output only the pool itself can
    ///      compute) or lender record.
    function _quote(uint256 hops, uint256 n, uint256 amountIn, uint256 amounts)
        private
        view
        returns (uint256 amount)
    {
        amount = amountIn;
        address tokenIn = Plan.tokenIn(hops, 0);
        address tokenA = tokenIn;
        for (uint256 i; i < n; ++i) {
            (address pool, uint256 kind, uint256 feePips) = Plan.poolKindFee(hops, i);
            if (kind != KIND_UNISWAP_V2) {
                if (
                    kind == KIND_UNISWAP_V3 || kind == KIND_ALGEBRA || kind == KIND_UNISWAP_V4
                        || kind == KIND_BALANCER || kind == RECORD_V2_PAIR
                ) {
                    return NOT_ALL_V2;
                }
                revert UnsupportedHopKind(i, kind);
            }
            address tokenOut = i + 1 < n ? Plan.tokenIn(hops, i + 1) : tokenA;
            (uint256 reserve0, uint256 reserve1) = PoolOps.reserves(pool);
            amount = tokenIn < tokenOut
                ? PoolOps.getAmountOut(amount, reserve0, reserve1, feePips)
                : PoolOps.getAmountOut(amount, reserve1, reserve0, feePips);
            if (i + 1 < n) {
                assembly ("memory-safe") {
                    mstore(add(amounts, shl(5, i)), amount)
                }
            }
            tokenIn = tokenOut;
        }
    }

    /// @dev Source 0 for a route with V3 hops: flash-swap hop 0's output for amountIn from its
    ///      pair; the callback does the rest. The output comes to this contract even when hop 1
    ///      is a V2 pair, because UniswapV2Pair.swap calls back its `to`. The plan is already in
    ///      memory after the swap head at `call_`; byte 0 becomes the mark.
    function _flashFromFirstPair(
        uint256 call_,
        uint256 hops,
        uint256 n,
        uint256 amountIn,
        uint256 length
    ) private returns (uint256) {
        if (Plan.kind(hops, 0) != KIND_UNISWAP_V2) revert NoV2Lender();
        address tokenA = Plan.tokenIn(hops, 0);
        address tokenB = Plan.tokenIn(hops, 1);
        (address lender,, uint256 feePips) = _genuinePool(hops, 0, tokenA, tokenB);
        bool zeroForOne = tokenA < tokenB;
        uint256 amountOut = PoolOps.v2AmountOut(lender, zeroForOne, amountIn, feePips);
        return _v2FlashSwap(call_, lender, zeroForOne, amountOut, length, MARK_FIRST_PAIR);
    }

    /// @dev Source 0 with a lender record (entry `record`, just past the n = record hops):
    ///      flash-borrow amountIn of A from the record's pair.
    function _flashFromRecordPair(
        uint256 call_,
        uint256 hops,
        uint256 record,
        uint256 amountIn,
        uint256 length
    ) private returns (uint256) {
        if (record < 2) revert MalformedPlan(length);
        (address lender, address other,) = _genuineLender(hops, record, RECORD_V2_PAIR);
        // The pair pays out A: "zeroForOne" in the sense of selling `other` for A.
        bool zeroForOne = other < Plan.tokenIn(hops, 0);
        return _v2FlashSwap(call_, lender, zeroForOne, amountIn, length, MARK_RECORD_PAIR);
    }

    /// @dev `lender.swap(…, to = this, plan with byte 0 = mark)`; returns the callback's profit.
    function _v2FlashSwap(
        uint256 call_,
        address lender,
        bool zeroForOne,
        uint256 amountOut,
        uint256 length,
        uint256 mark
    ) private returns (uint256) {
        assembly ("memory-safe") {
            mstore8(add(call_, SWAP_HEAD_BYTES), mark)
        }
        _callbackFrom = lender;
        PoolOps.v2Swap(call_, lender, zeroForOne, amountOut, address(this), length);
        _callbackFrom = address(0);
        return _profit;
    }

    /// @dev The V2 callback of the two V2 loans other than the all-V2 path's. MARK_FIRST_PAIR:
    ///      hop 0's pair lent `amountOut`, its output for amountIn; run hops 1 … n−1 and repay
    ///      amountIn of A. MARK_RECORD_PAIR: the record's pair lent amountIn of A; run every
    ///      hop and repay what its fee-adjusted K check needs.
    function _v2Loan(bytes calldata data, uint256 mark, uint256 amountOut) private {
        (, uint256 amountIn, uint256 minProfit, uint256 hops) = Plan.header(_offset(data));
        uint256 entries = (data.length - HEADER_BYTES) / HOP_BYTES;
        uint256 owed = amountIn;
        if (mark == MARK_FIRST_PAIR) {
            amountOut = _runHopsAnywhere(data, hops, entries, 1, amountOut);
        } else {
            amountOut = _runHopsAnywhere(data, hops, entries - 1, 0, amountIn);
            uint256 feePips = Plan.feePips(hops, entries - 1);
            // UniswapV2Pair.swap: (balance·10^6 − amountIn·fee) ≥ reserve·10^6 on the lent side.
            owed = (amountIn * PoolOps.PIPS + PoolOps.PIPS - feePips - 1) / (PoolOps.PIPS - feePips);
        }
        _settle(amountOut, owed, minProfit);
        PoolOps.transfer(Plan.tokenIn(hops, 0), msg.sender, owed);
    }

    /// @dev Sources 1–4: borrow amountIn of the start token; the lender's callback trades.
    ///      Source 5 trades amountIn of the start token this contract holds, without a loan.
    function _borrowAndTrade(bytes calldata plan, uint256 source, uint256 amountIn, uint256 hops)
        private
        returns (uint256)
    {
        uint256 records = source == FLASH_UNISWAP_V3 || source == FLASH_UNISWAP_V4 ? 1 : 0;
        uint256 length = plan.length;
        if (
            length < HEADER_BYTES + (2 + records) * HOP_BYTES
                || (length - HEADER_BYTES) % HOP_BYTES != 0
        ) revert MalformedPlan(length);
        if (source == FLASH_BALANCER) {
            _borrowFromBalancer(plan, Plan.tokenIn(hops, 0), amountIn);
        } else if (source == FLASH_AAVE_V3) {
            address pool = aavePool;
            if (pool == address(0)) revert LenderNotSet(source);
            _callbackFrom = pool;
            IAaveV3Pool(pool).flashLoanSimple(address(this), Plan.tokenIn(hops, 0), amountIn, plan, 0);
        } else if (source == FLASH_UNISWAP_V3) {
            _borrowFromV3Pool(plan, hops, (length - HEADER_BYTES) / HOP_BYTES - 1, amountIn);
        } else if (source == FLASH_UNISWAP_V4) {
            uint256 record = (length - HEADER_BYTES) / HOP_BYTES - 1;
            uint256 kind = Plan.kind(hops, record);
            if (kind != RECORD_V4_MANAGER) revert UnsupportedHopKind(record, kind);
            _unlock(plan, Plan.factory(hops, record), UNLOCK_FLASH, 0, record, amountIn);
        } else if (source == FLASH_INVENTORY) {
            // The hops' outputs are what genuine pools paid (each proven before it is called),
            // as in a loan's callback; a short trade reverts before the inventory is spent.
            uint256 amountOut =
                _runHopsAnywhere(plan, hops, (length - HEADER_BYTES) / HOP_BYTES, 0, amountIn);
            (,, uint256 minProfit,) = Plan.header(_offset(plan));
            _settle(amountOut, amountIn, minProfit);
        } else {
            revert UnsupportedFlashSource(source);
        }
        _callbackFrom = address(0);
        return _profit;
    }

    function _borrowFromBalancer(bytes calldata plan, address tokenA, uint256 amountIn) private {
        address vault = balancerVault;
        if (vault == address(0)) revert LenderNotSet(FLASH_BALANCER);
        address[] memory tokens = new address[](1);
        tokens[0] = tokenA;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amountIn;
        _callbackFrom = vault;
        IBalancerVault(vault).flashLoan(address(this), tokens, amounts, plan);
    }

    /// @dev Flash source 3: `record` is the index of the lender record (just past the hops).
    function _borrowFromV3Pool(bytes calldata plan, uint256 hops, uint256 record, uint256 amountIn)
        private
    {
        // A V3 or an Algebra pool: both lend through `flash(recipient, amount0, amount1, data)`.
        uint256 recordKind = Plan.kind(hops, record);
        if (recordKind != RECORD_V3_POOL && recordKind != RECORD_ALGEBRA_POOL) {
            revert UnsupportedHopKind(record, recordKind);
        }
        (address pool, address other,) = _genuineLender(hops, record, recordKind);
        _callbackFrom = pool;
        bool borrowed0 = Plan.tokenIn(hops, 0) < other;
        IUniswapV3Flash(pool).flash(
            address(this), borrowed0 ? amountIn : 0, borrowed0 ? 0 : amountIn, plan
        );
    }

    /// @dev A lender's callback, sources 1–3: run every hop on the borrowed amountIn, check the
    ///      profit net of `fee`; returns the start token and what the lender is owed.
    function _tradeBorrowed(bytes calldata plan, uint256 records, uint256 fee)
        private
        returns (address tokenA, uint256 owed)
    {
        (, uint256 amountIn, uint256 minProfit, uint256 hops) = Plan.header(_offset(plan));
        uint256 n = (plan.length - HEADER_BYTES) / HOP_BYTES - records;
        uint256 amountOut = _runHopsAnywhere(plan, hops, n, 0, amountIn);
        owed = amountIn + fee;
        _settle(amountOut, owed, minProfit);
        tokenA = Plan.tokenIn(hops, 0);
    }

    /// @dev Reverts unless `amountOut` covers `cost` + `minProfit`; records the profit.
    function _settle(uint256 amountOut, uint256 cost, uint256 minProfit) private {
        if (amountOut < cost + minProfit) {
            revert InsufficientProfit(amountOut > cost ? amountOut - cost : 0, minProfit);
        }
        unchecked {
            _profit = amountOut - cost;
        }
    }

    /// @dev Runs hops `start` … n−1 on `amount` of hop `start`'s token, which this contract
    ///      holds; returns the start token received at the end. A route with a V4 hop runs
    ///      inside one `unlock` of that hop's PoolManager, which must be registered.
    function _runHopsAnywhere(
        bytes calldata plan,
        uint256 hops,
        uint256 n,
        uint256 start,
        uint256 amount
    ) private returns (uint256 amountOut) {
        for (uint256 i = start; i < n; ++i) {
            if (Plan.kind(hops, i) == KIND_UNISWAP_V4) {
                _unlock(plan, Plan.factory(hops, i), UNLOCK_RUN, start, n, amount);
                return _amountOut;
            }
        }
        (amountOut,) = _runHops(hops, n, start, amount, false);
    }

    /// @dev `manager.unlock(plan ‖ amount ‖ mode << 16 | start << 8 | n)`, once the manager
    ///      is proven registered; its callback is `unlockCallback`.
    function _unlock(
        bytes calldata plan,
        address manager,
        uint256 mode,
        uint256 start,
        uint256 n,
        uint256 amount
    ) private {
        if (initCodeHashOf[manager] != POOL_MANAGER) revert UnknownFactory(manager);
        _callbackFrom = manager;
        _manager = manager;
        IPoolManager(manager).unlock(bytes.concat(plan, abi.encode(amount, mode << 16 | start << 8 | n)));
        _manager = address(0);
    }

    /// @dev Runs hops `start` … n−1 on `amount` of hop `start`'s token, which this contract
    ///      holds, or (`owed`, inside an unlock) which the PoolManager lends; returns the start
    ///      token received at the end, and whether it is a credit in the manager (the last hop
    ///      was V4, not paying the native coin) rather than held here. Each hop's output goes
    ///      where the next hop takes its input: into the next V2 pair (paid before its swap), to
    ///      this contract for a V3 pool (paid in its callback), to the manager for a V4 pool (a
    ///      credit there), but to this contract for a V4 hop selling the native coin, which
    ///      then unwraps it into the manager.
    function _runHops(uint256 hops, uint256 n, uint256 start, uint256 amount, bool owed)
        private
        returns (uint256, bool)
    {
        uint256 kind = Plan.kind(hops, start);
        {
            // The first hop's input to where its kind takes it.
            address tokenIn = Plan.tokenIn(hops, start);
            if (owed) {
                if (kind == KIND_UNISWAP_V2) {
                    V4Ops.take(_manager, tokenIn, Plan.pool(hops, start), amount);
                } else if (kind != KIND_UNISWAP_V4) {
                    V4Ops.take(_manager, tokenIn, address(this), amount);
                }
            } else if (kind == KIND_UNISWAP_V2) {
                PoolOps.transfer(tokenIn, Plan.pool(hops, start), amount);
            } else if (kind == KIND_UNISWAP_V4) {
                _payManager(_manager, tokenIn, amount, Plan.native(hops, start) & NATIVE_IN != 0);
            }
        }
        bool credit = false;
        for (uint256 i = start; i < n; ++i) {
            // The last hop buys the start token, and leaves a V4 output in the manager.
            uint256 next = i + 1 < n ? i + 1 : 0;
            address to = address(this);
            if (next != 0) kind = Plan.kind(hops, next);
            credit = kind == KIND_UNISWAP_V4 && !_nativeSide(hops, i, next);
            if (credit) to = _manager;
            else if (kind == KIND_UNISWAP_V2 && next != 0) to = Plan.pool(hops, next);
            amount = _swapHop(hops, i, Plan.tokenIn(hops, next), to, amount);
            // A V4 hop selling the native coin: its wrapped token, here, unwrapped into it.
            if (kind == KIND_UNISWAP_V4 && !credit && next != 0) {
                _payManager(_manager, Plan.tokenIn(hops, next), amount, true);
            }
        }
        return (amount, credit);
    }

    /// @dev Whether V4 hop `next` sells the native coin or, at the route's end (`next` 0), V4
    ///      hop `i` buys it: that side is held here as the wrapped token.
    function _nativeSide(uint256 hops, uint256 i, uint256 next) private pure returns (bool) {
        return next != 0
            ? Plan.native(hops, next) & NATIVE_IN != 0
            : Plan.native(hops, i) & NATIVE_OUT != 0;
    }

    /// @dev Hop i: prove its pool genuine, then swap `amountIn` of `tokenIn` for
    ///      `tokenOut`, output to `to`; returns the amount out. Output to the unlocked manager
    ///      (the next hop is V4) is settled there: `sync` before the swap, `settle` after.
    function _swapHop(uint256 hops, uint256 i, address tokenOut, address to, uint256 amountIn)
        private
        returns (uint256 amountOut)
    {
        address tokenIn = Plan.tokenIn(hops, i);
        bool zeroForOne = tokenIn < tokenOut;
        if (Plan.kind(hops, i) == KIND_UNISWAP_V4) {
            return _v4Swap(hops, i, tokenIn, tokenOut, to, amountIn);
        }
        if (Plan.kind(hops, i) == KIND_BALANCER) {
            return _balancerSwap(hops, i, tokenIn, tokenOut, to, amountIn);
        }
        (address pool, uint256 kind, uint256 feePips) = _genuinePool(hops, i, tokenIn, tokenOut);
        // Outside an unlock `_manager` is zero, which `to` never is.
        address manager = _manager;
        if (to == manager) V4Ops.sync(manager, tokenOut);
        if (kind == KIND_UNISWAP_V2) {
            amountOut = PoolOps.v2AmountOut(pool, zeroForOne, amountIn, feePips);
            uint256 call_;
            assembly ("memory-safe") {
                call_ := mload(0x40) // scratch for the call, past the free memory pointer
            }
            PoolOps.v2Swap(call_, pool, zeroForOne, amountOut, to, 0);
        } else {
            _callbackFrom = pool;
            amountOut = PoolOps.v3Swap(pool, to, tokenIn, zeroForOne, amountIn);
        }
        if (to == manager) V4Ops.settle(manager);
    }

    /// @dev V4 hop i: the hookless pool of the unlocked manager with the hop's two tokens, LP
    ///      fee and tick spacing, whose id must start with the hop's 17 bytes (V4Ops.swap); its
    ///      input is a credit in the manager already, its output is `take`n to `to` unless
    ///      that is the manager (a credit for the next V4 hop, or the route's end). A flagged
    ///      side is the native coin in the key; a native output is taken here, wrapped, and
    ///      sent on to `to`.
    function _v4Swap(uint256 hops, uint256 i, address tokenIn, address tokenOut, address to, uint256 amountIn)
        private
        returns (uint256 amountOut)
    {
        address manager = _manager;
        address factory = Plan.factory(hops, i);
        if (factory != manager || manager == address(0)) revert UnknownFactory(factory);
        (address pool,, uint256 fee) = Plan.poolKindFee(hops, i);
        uint256 native = Plan.native(hops, i);
        amountOut = V4Ops.swap(
            manager,
            pool,
            native & NATIVE_IN != 0 ? address(0) : tokenIn,
            native & NATIVE_OUT != 0 ? address(0) : tokenOut,
            fee,
            amountIn
        );
        if (native & NATIVE_OUT != 0) {
            V4Ops.take(manager, address(0), address(this), amountOut);
            _checkWrapped(tokenOut);
            V4Ops.wrap(tokenOut, amountOut);
            if (to == manager) _payManager(manager, tokenOut, amountOut, false);
            else if (to != address(this)) PoolOps.transfer(tokenOut, to, amountOut);
        } else if (to != manager) {
            V4Ops.take(manager, tokenOut, to, amountOut);
        }
    }

    /// @dev Balancer hop i: one `Vault.swap` through its pool in the hop's Vault, which must be
    ///      registered (marked BALANCER_VAULT), the output paid to `to` (a credit in the
    ///      unlocked manager when that is `to`: `sync` before the swap, `settle` after).
    function _balancerSwap(
        uint256 hops,
        uint256 i,
        address tokenIn,
        address tokenOut,
        address to,
        uint256 amountIn
    ) private returns (uint256 amountOut) {
        address vault = Plan.factory(hops, i);
        if (initCodeHashOf[vault] != BALANCER_VAULT) revert UnknownFactory(vault);
        address manager = _manager;
        if (to == manager) V4Ops.sync(manager, tokenOut);
        amountOut = BalancerOps.swap(vault, Plan.pool(hops, i), tokenIn, tokenOut, amountIn, to);
        if (to == manager) V4Ops.settle(manager);
    }

    /// @dev Pays `amount` of `token` from this contract to `manager` as a credit there: by
    ///      transfer between `sync` and `settle`, or (`native`) as the native coin, unwrapped
    ///      from `token`, the registered wrapped native token, and settled with value.
    function _payManager(address manager, address token, uint256 amount, bool native) private {
        if (native) {
            _checkWrapped(token);
            V4Ops.unwrap(token, amount);
            V4Ops.settleNative(manager, amount);
            return;
        }
        V4Ops.sync(manager, token);
        PoolOps.transfer(token, manager, amount);
        V4Ops.settle(manager);
    }

    /// @dev Reverts unless `token` is registered as the wrapped native token.
    function _checkWrapped(address token) private view {
        if (initCodeHashOf[token] != WRAPPED_NATIVE) revert NotWrappedNative(token);
    }

    /// @dev Hop i as (pool, kind, fee), after proving the pool is the pair (kind 0) or pool
    ///      (kind 1) that the hop's registered factory deploys for `tokenA`/`tokenB`.
    function _genuinePool(uint256 hops, uint256 i, address tokenA, address tokenB)
        private
        view
        returns (address pool, uint256 kind, uint256 feePips)
    {
        (pool, kind, feePips) = Plan.poolKindFee(hops, i);
        if (kind > KIND_ALGEBRA) revert UnsupportedHopKind(i, kind);
        _checkCreate2(pool, Plan.factory(hops, i), kind, tokenA, tokenB, feePips);
    }

    /// @dev The lender record at entry `record` as (pool, other token, fee), after checking its
    ///      kind byte is `recordKind` and proving the pool genuine for the start token.
    function _genuineLender(uint256 hops, uint256 record, uint256 recordKind)
        private
        view
        returns (address pool, address other, uint256 feePips)
    {
        uint256 kind;
        (pool, kind, feePips) = Plan.poolKindFee(hops, record);
        if (kind != recordKind) revert UnsupportedHopKind(record, kind);
        other = Plan.tokenIn(hops, record);
        _checkCreate2(
            pool,
            Plan.factory(hops, record),
            recordKind & ~RECORD_V2_PAIR,
            Plan.tokenIn(hops, 0),
            other,
            feePips
        );
    }

    /// @dev Reverts unless `pool` is the V2 pair, V3 pool (with its fee) or Algebra pool (by
    ///      `kind`) that the registered `factory` (or pool deployer) deploys for `tokenA` and
    ///      `tokenB`.
    function _checkCreate2(
        address pool,
        address factory,
        uint256 kind,
        address tokenA,
        address tokenB,
        uint256 feePips
    ) private view {
        bytes32 initCodeHash = initCodeHashOf[factory];
        if (initCodeHash == bytes32(0)) revert UnknownFactory(factory);
        if (kind == KIND_UNISWAP_V2) {
            if (PoolOps.v2PairFor(factory, initCodeHash, tokenA, tokenB) != pool) {
                revert NotGenuinePair(pool);
            }
        } else if (
            (
                kind == KIND_UNISWAP_V3
                    ? PoolOps.v3PoolFor(factory, initCodeHash, tokenA, tokenB, feePips)
                    : PoolOps.algebraPoolFor(factory, initCodeHash, tokenA, tokenB)
            ) != pool
        ) {
            revert NotGenuinePool(pool);
        }
    }

    /// @dev The all-V2 lender check: reverts unless the caller is the pair that the last hop's
    ///      factory would deploy for its two tokens. Runs after `msg.sender == _callbackFrom`,
    ///      so the plan is the one `execute` was given.
    function _checkGenuinePair(uint256 hops, uint256 last, address tokenA) private view {
        address factory = Plan.factory(hops, last);
        bytes32 initCodeHash = initCodeHashOf[factory];
        if (initCodeHash == bytes32(0)) revert UnknownFactory(factory);
        // PoolOps.v2PairFor, written out: this runs on every all-V2 trade.
        address tokenIn = Plan.tokenIn(hops, last);
        (address token0, address token1) = tokenIn < tokenA ? (tokenIn, tokenA) : (tokenA, tokenIn);
        bytes32 salt = keccak256(abi.encodePacked(token0, token1));
        bytes32 create2 = keccak256(abi.encodePacked(hex"ff", factory, salt, initCodeHash));
        if (address(uint160(uint256(create2))) != msg.sender) revert NotGenuinePair(msg.sender);
    }
}
