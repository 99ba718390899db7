// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

interface IBalanceOf {
    function balanceOf(address holder) external view returns (uint256);
}

/// @title TokenProbe
/// @notice Never deployed: its runtime code is put, for one `eth_call`, at a pool's address and
///         at our executor's address (state overrides), so the token sees the very callers a real
///         trade has. `probe` (run as the executor) buys by having the pool send it tokens, moves
///         part to a fresh address, sells the rest back into the pool, and reports what each
///         recipient really received. Nothing reverts on the token's account: each leg reports
///         success or failure, so one call tells a tax, a blocked sell, a pause and a blacklist
///         apart.
contract TokenProbe {
    struct Legs {
        bool bought;
        uint256 boughtReceived;
        bool moved;
        uint256 moveSent;
        uint256 moveReceived;
        bool sold;
        uint256 sellSent;
        uint256 sellReceived;
    }

    /// @notice `token.transfer(to, amount)` from this address; false if it reverts or says no.
    function send(address token, address to, uint256 amount) public returns (bool) {
        (bool ok, bytes memory ret) =
            token.call(abi.encodeWithSignature("transfer(address,uint256)", to, amount));
        return ok && (ret.length == 0 || (ret.length >= 32 && abi.decode(ret, (bool))));
    }

    function probe(address token, address pool, uint256 amount, address fresh)
        external
        returns (Legs memory legs)
    {
        uint256 before = _balance(token, address(this));
        legs.bought = TokenProbe(pool).send(token, address(this), amount);
        if (!legs.bought) return legs;
        legs.boughtReceived = _balance(token, address(this)) - before;

        legs.moveSent = legs.boughtReceived / 2;
        before = _balance(token, fresh);
        legs.moved = send(token, fresh, legs.moveSent);
        if (legs.moved) legs.moveReceived = _balance(token, fresh) - before;

        legs.sellSent = legs.moved ? legs.boughtReceived - legs.moveSent : legs.boughtReceived;
        before = _balance(token, pool);
        legs.sold = send(token, pool, legs.sellSent);
        if (legs.sold) legs.sellReceived = _balance(token, pool) - before;
    }

    function _balance(address token, address holder) private view returns (uint256) {
        return IBalanceOf(token).balanceOf(holder);
    }
}
