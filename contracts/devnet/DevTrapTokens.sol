// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title DevTrapToken and its four kinds
/// @notice Tokens that behave like the scams a searcher meets on real chains, for the devnet:
///         each looks like a plain ERC-20 (DevToken's surface) but its transfers are not what
///         they seem. The owner registers its AMM pairs (`setPair`), as real tax and honeypot
///         tokens do with an `automatedMarketMakerPairs`-style map, so a transfer into a pair is
///         a sell and one out of a pair is a buy. Transfers from the owner are always plain, so
///         the owner can seed the pools.
abstract contract DevTrapToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    uint256 public totalSupply;
    address public owner;

    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    mapping(address => bool) public isPair;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error NotOwner();
    error InsufficientBalance();
    error InsufficientAllowance();

    constructor(string memory name_, string memory symbol_, uint8 decimals_) {
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        owner = msg.sender;
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    function mint(address to, uint256 amount) external onlyOwner {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function setPair(address pair, bool value) external onlyOwner {
        isPair[pair] = value;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance();
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function _transfer(address from, address to, uint256 amount) private {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance();
        unchecked {
            balanceOf[from] = balance - amount;
        }
        uint256 kept = from == owner ? 0 : _trap(from, to, amount);
        balanceOf[to] += amount - kept;
        emit Transfer(from, to, amount - kept);
        if (kept > 0) {
            balanceOf[owner] += kept;
            emit Transfer(from, owner, kept);
        }
    }

    /// @dev Runs on every transfer not from the owner: reverts to block it, or returns the part
    ///      of `amount` the owner keeps.
    function _trap(address from, address to, uint256 amount) internal virtual returns (uint256);
}

/// @notice Takes `feeBps` of every transfer for the owner: the recipient gets less than was sent.
contract DevFeeToken is DevTrapToken {
    uint256 public immutable feeBps;

    constructor(string memory name_, string memory symbol_, uint8 decimals_, uint256 feeBps_)
        DevTrapToken(name_, symbol_, decimals_)
    {
        feeBps = feeBps_;
    }

    function _trap(address, address, uint256 amount) internal view override returns (uint256) {
        return amount * feeBps / 10_000;
    }
}

/// @notice A honeypot: buying works, selling (a transfer into a pair) reverts for anyone but the
///         owner.
contract DevHoneypotToken is DevTrapToken {
    error SellBlocked();

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        DevTrapToken(name_, symbol_, decimals_)
    {}

    function _trap(address, address to, uint256) internal view override returns (uint256) {
        if (isPair[to]) revert SellBlocked();
        return 0;
    }
}

/// @notice The owner can pause every transfer but its own.
contract DevPausableToken is DevTrapToken {
    bool public paused;

    error Paused();

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        DevTrapToken(name_, symbol_, decimals_)
    {}

    function pause() external onlyOwner {
        paused = true;
    }

    function unpause() external onlyOwner {
        paused = false;
    }

    function _trap(address, address, uint256) internal view override returns (uint256) {
        if (paused) revert Paused();
        return 0;
    }
}

/// @notice An "anti-bot" blacklist: whoever buys (receives out of a pair) is blacklisted by that
///         buy and can never move the tokens again, so the first trade of an arbitrage contract
///         through it strands what it bought.
contract DevBlacklistToken is DevTrapToken {
    mapping(address => bool) public blacklisted;

    error Blacklisted(address account);

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        DevTrapToken(name_, symbol_, decimals_)
    {}

    function _trap(address from, address to, uint256) internal override returns (uint256) {
        if (blacklisted[from]) revert Blacklisted(from);
        if (isPair[from] && !isPair[to]) blacklisted[to] = true;
        return 0;
    }
}
