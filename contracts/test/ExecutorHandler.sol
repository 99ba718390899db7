// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {CommonBase} from "forge-std/Base.sol";
import {StdUtils} from "forge-std/StdUtils.sol";
import {DevToken} from "../devnet/DevToken.sol";
import {OmniArbExecutor} from "../executor/OmniArbExecutor.sol";
import {PlanBuilder} from "./PlanBuilder.sol";

interface IV2Pair {
    function token0() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 ts);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @notice The invariant tests' actor: random callers (the owner, the bot, three named
///         accounts, any address) doing random things to the executor — trade, withdraw, grant
///         and revoke executors, hand ownership over, donate tokens, move the market, call the
///         callbacks — while it keeps a ghost of what the executor's state must be: what the
///         owner did, and what trades and donations added. The ghost follows only the calls
///         the right caller made; one that succeeds for anyone else (where only the owner, the
///         pending owner or an executor may succeed) is counted in `breaches` and leaves the
///         ghost as it was, so the state invariants catch it too.
contract ExecutorHandler is CommonBase, StdUtils {
    OmniArbExecutor public immutable executor;
    address public immutable factory;
    DevToken[3] public tokens;
    address[3] public pairs;

    /// @dev The fixed cast; any other address may act too (`_actor`).
    address[5] private cast;
    /// @dev Every account this handler ever named (bounded), for the invariants to check.
    address[] public touched;
    mapping(address => bool) private seen;

    address public ghostOwner;
    address public ghostPending;
    mapping(address => bool) public ghostExecutor;
    mapping(address => uint256) public ghostBalance;
    uint256 public breaches;
    uint256 public trades;
    uint256 public withdrawals;
    uint256 public ownerChanges;

    constructor(
        OmniArbExecutor executor_,
        address factory_,
        DevToken[3] memory tokens_,
        address[3] memory pairs_,
        address owner_,
        address bot_
    ) {
        executor = executor_;
        factory = factory_;
        tokens = tokens_;
        pairs = pairs_;
        cast = [owner_, bot_, address(0xA11CE), address(0xB0B), address(0xCA401)];
        ghostOwner = owner_;
        ghostExecutor[bot_] = true;
        for (uint256 i; i < cast.length; ++i) _touch(cast[i]);
    }

    function touchedCount() external view returns (uint256) {
        return touched.length;
    }

    // ------------------------------------------------------------ actions

    /// @dev A trade of the cycle A → B → C → A (or its reverse), flash-swapped or from the
    ///      executor's inventory.
    function execute(uint256 actorSeed, uint256 amountIn, uint256 minProfit, uint8 shape)
        external
    {
        address actor = _actor(actorSeed);
        // Mostly inside the range where the cycle pays (up to ~19 A), sometimes far past it.
        amountIn = _bound(amountIn, 1e6, 25e18);
        minProfit = _bound(minProfit, 0, 2e17);
        uint8 source = shape & 1 == 0 ? PlanBuilder.SOURCE_V2_PAIR : PlanBuilder.SOURCE_INVENTORY;
        bytes memory plan =
            PlanBuilder.plan(source, uint128(amountIn), uint128(minProfit), _hops(shape & 2 != 0));
        vm.prank(actor);
        bool mayTrade = _mayTrade(actor);
        try executor.execute(plan) returns (uint256 profit) {
            if (!mayTrade) ++breaches;
            ghostBalance[address(tokens[0])] += profit;
            ++trades;
        } catch {}
    }

    function withdraw(uint256 actorSeed, uint256 tokenSeed, uint256 amount, uint256 toSeed)
        external
    {
        address actor = _actor(actorSeed);
        DevToken token = tokens[tokenSeed % 3];
        uint256 held = token.balanceOf(address(executor));
        amount = _bound(amount, 0, held);
        address to = _actor(toSeed);
        if (to == address(executor) || to == address(0)) to = cast[2];
        vm.prank(actor);
        try executor.withdraw(address(token), amount, to) {
            // The ghost follows the owner only: anyone else's withdrawal breaks the balance
            // invariant as well as counting as a breach.
            if (actor != ghostOwner) {
                ++breaches;
                return;
            }
            ghostBalance[address(token)] -= amount;
            ++withdrawals;
        } catch {}
    }

    function setExecutor(uint256 actorSeed, uint256 accountSeed, bool allowed) external {
        address actor = _actor(actorSeed);
        address account = _actor(accountSeed);
        vm.prank(actor);
        try executor.setExecutor(account, allowed) {
            if (actor != ghostOwner) {
                ++breaches;
                return;
            }
            ghostExecutor[account] = allowed;
        } catch {}
    }

    function transferOwnership(uint256 actorSeed, uint256 newOwnerSeed) external {
        address actor = _actor(actorSeed);
        address newOwner = _actor(newOwnerSeed);
        vm.prank(actor);
        try executor.transferOwnership(newOwner) {
            if (actor != ghostOwner) {
                ++breaches;
                return;
            }
            ghostPending = newOwner;
        } catch {}
    }

    function acceptOwnership(uint256 actorSeed) external {
        // Mostly the pending owner, so transfers complete; sometimes anyone.
        address actor = actorSeed % 3 == 0 || ghostPending == address(0)
            ? _actor(actorSeed >> 2)
            : ghostPending;
        vm.prank(actor);
        try executor.acceptOwnership() {
            if (actor != ghostPending) {
                ++breaches;
                return;
            }
            ghostOwner = actor;
            ghostPending = address(0);
            ++ownerChanges;
        } catch {}
    }

    /// @dev Anyone may send the executor tokens: its balance grows, which is not a breach.
    function donate(uint256 tokenSeed, uint256 amount) external {
        DevToken token = tokens[tokenSeed % 3];
        amount = _bound(amount, 0, token.balanceOf(address(this)));
        token.transfer(address(executor), amount);
        ghostBalance[address(token)] += amount;
    }

    /// @dev A third party's swap: moves a pair's price, opening or closing the arbitrage.
    function moveMarket(uint256 pairSeed, uint256 amountIn, bool sellToken0) external {
        IV2Pair pair = IV2Pair(pairs[pairSeed % 3]);
        (uint112 reserve0, uint112 reserve1,) = pair.getReserves();
        address token0 = pair.token0();
        DevToken tokenIn = _tokenOf(token0, sellToken0, pairSeed % 3);
        (uint256 reserveIn, uint256 reserveOut) =
            sellToken0 ? (uint256(reserve0), uint256(reserve1)) : (uint256(reserve1), uint256(reserve0));
        amountIn = _bound(amountIn, 0, reserveIn / 2);
        uint256 amountOut = amountIn * 997 * reserveOut / (reserveIn * 1000 + amountIn * 997);
        if (amountOut == 0) return;
        tokenIn.transfer(address(pair), amountIn);
        pair.swap(sellToken0 ? 0 : amountOut, sellToken0 ? amountOut : 0, address(this), "");
    }

    /// @dev A stranger (or the bot, or the owner) calling the callbacks directly, outside a
    ///      trade, asking to be paid.
    function callback(uint256 actorSeed, uint256 amount, uint8 which) external {
        address actor = _actor(actorSeed);
        amount = _bound(amount, 1, 1e24);
        bytes memory payTokenA = abi.encode(address(tokens[0]));
        vm.prank(actor);
        if (which % 3 == 0) {
            try executor.uniswapV3SwapCallback(int256(amount), 0, payTokenA) {
                ++breaches;
            } catch {}
        } else if (which % 3 == 1) {
            try executor.uniswapV2Call(address(executor), amount, 0, payTokenA) {
                ++breaches;
            } catch {}
        } else {
            try executor.uniswapV3FlashCallback(amount, 0, payTokenA) {
                ++breaches;
            } catch {}
        }
    }

    // ------------------------------------------------------------ helpers

    function _mayTrade(address actor) private view returns (bool) {
        return actor == ghostOwner || ghostExecutor[actor];
    }

    /// @dev One of the cast (5 of 8 seeds), else any address the seed names but zero: no
    ///      transaction or call comes from address zero, the executor's "no one" (an empty
    ///      callback lock, no pending owner).
    function _actor(uint256 seed) private returns (address actor) {
        actor = seed % 8 < 5 ? cast[seed % 8] : address(uint160(seed >> 3));
        if (actor == address(0)) actor = cast[4];
        _touch(actor);
    }

    function _touch(address account) private {
        if (!seen[account] && touched.length < 1_000) {
            seen[account] = true;
            touched.push(account);
        }
    }

    /// @dev Pair i joins tokens i and i + 1: the token of pair i that is token0, or the other.
    function _tokenOf(address token0, bool wantToken0, uint256 i)
        private
        view
        returns (DevToken)
    {
        DevToken a = tokens[i];
        DevToken b = tokens[(i + 1) % 3];
        bool aIsToken0 = address(a) == token0;
        return aIsToken0 == wantToken0 ? a : b;
    }

    function _hops(bool reverse) private view returns (bytes memory) {
        address a = address(tokens[0]);
        address b = address(tokens[1]);
        address c = address(tokens[2]);
        if (reverse) {
            return bytes.concat(
                PlanBuilder.v2Hop(pairs[2], a, factory),
                PlanBuilder.v2Hop(pairs[1], c, factory),
                PlanBuilder.v2Hop(pairs[0], b, factory)
            );
        }
        return bytes.concat(
            PlanBuilder.v2Hop(pairs[0], a, factory),
            PlanBuilder.v2Hop(pairs[1], b, factory),
            PlanBuilder.v2Hop(pairs[2], c, factory)
        );
    }
}
