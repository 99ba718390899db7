// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {Test} from "forge-std/Test.sol";
import {DevToken} from "../devnet/DevToken.sol";
import {OmniArbExecutor} from "../executor/OmniArbExecutor.sol";
import {PlanBuilder} from "./PlanBuilder.sol";

interface IUniswapV2FactoryLike {
    function createPair(address tokenA, address tokenB) external returns (address pair);
}

interface IUniswapV2PairLike {
    function token0() external view returns (address);
    function getReserves() external view returns (uint112 reserve0, uint112 reserve1, uint32 ts);
    function mint(address to) external returns (uint256 liquidity);
    function swap(uint256 amount0Out, uint256 amount1Out, address to, bytes calldata data) external;
}

/// @notice The executor and a real Uniswap V2 market for the fuzz and invariant tests: the
///         factory and pairs are Uniswap's own bytecode from npm (the npm package uniswap/v2-core, its build,
///         solc 0.5.16), the tokens the devnet's DevToken, the executor the contract deployed
///         in production. Three pairs A/B, B/C, C/A priced so the cycle A → B → C → A pays for
///         small trades and loses for large ones. Plans are built in ONE place, PlanBuilder.plan,
///         for the header the executor reads (source 1 byte, amountIn 16, minProfit 16, deadline 8).
abstract contract ExecutorTestBase is Test {
    string internal constant V2_BUILD = "node_modules/@uniswap/v2-core/build/";
    uint8 internal constant SOURCE_V2_PAIR = PlanBuilder.SOURCE_V2_PAIR;
    uint8 internal constant SOURCE_INVENTORY = PlanBuilder.SOURCE_INVENTORY;

    address internal owner = makeAddr("owner");
    address internal bot = makeAddr("bot");

    DevToken internal tokenA;
    DevToken internal tokenB;
    DevToken internal tokenC;
    address internal factory;
    bytes32 internal pairInitCodeHash;
    address internal pairAB;
    address internal pairBC;
    address internal pairCA;
    OmniArbExecutor internal executor;

    function setUp() public virtual {
        tokenA = new DevToken("Token A", "A", 18);
        tokenB = new DevToken("Token B", "B", 18);
        tokenC = new DevToken("Token C", "C", 18);
        factory = _create(bytes.concat(_npmBytecode("UniswapV2Factory"), abi.encode(address(this))));
        pairInitCodeHash = keccak256(_npmBytecode("UniswapV2Pair"));
        // B is twice as cheap in the A/B pair as the other two pairs imply: the arbitrage.
        pairAB = _pair(tokenA, 100e18, tokenB, 200e18);
        pairBC = _pair(tokenB, 100e18, tokenC, 100e18);
        pairCA = _pair(tokenC, 100e18, tokenA, 100e18);

        address[] memory executors = new address[](1);
        executors[0] = bot;
        address[] memory factories = new address[](1);
        factories[0] = factory;
        bytes32[] memory hashes = new bytes32[](1);
        hashes[0] = pairInitCodeHash;
        executor = new OmniArbExecutor(
            owner, executors, factories, hashes, address(0), address(0)
        );
    }

    // ------------------------------------------------------------ plans

    function _plan(uint8 source, uint128 amountIn, uint128 minProfit, bytes memory hops)
        internal
        pure
        returns (bytes memory)
    {
        return PlanBuilder.plan(source, amountIn, minProfit, hops);
    }

    function _v2Hop(address pair, address tokenIn) internal view returns (bytes memory) {
        return PlanBuilder.v2Hop(pair, tokenIn, factory);
    }

    /// @dev The hops of the cycle A → B → C → A.
    function _cycleHops() internal view returns (bytes memory) {
        return bytes.concat(
            _v2Hop(pairAB, address(tokenA)),
            _v2Hop(pairBC, address(tokenB)),
            _v2Hop(pairCA, address(tokenC))
        );
    }

    /// @dev What the cycle returns in A for `amountIn` of A, by UniswapV2Library.getAmountOut
    ///      over the pairs' reserves now (the executor's own pricing is not used).
    function _cycleOut(uint256 amountIn) internal view returns (uint256 amount) {
        amount = _amountOut(pairAB, address(tokenA), amountIn);
        amount = _amountOut(pairBC, address(tokenB), amount);
        amount = _amountOut(pairCA, address(tokenC), amount);
    }

    function _amountOut(address pair, address tokenIn, uint256 amountIn)
        internal
        view
        returns (uint256)
    {
        (uint112 reserve0, uint112 reserve1,) = IUniswapV2PairLike(pair).getReserves();
        (uint256 reserveIn, uint256 reserveOut) = IUniswapV2PairLike(pair).token0() == tokenIn
            ? (uint256(reserve0), uint256(reserve1))
            : (uint256(reserve1), uint256(reserve0));
        uint256 amountInWithFee = amountIn * 997;
        return amountInWithFee * reserveOut / (reserveIn * 1000 + amountInWithFee);
    }

    /// @dev A third party's swap of `amountIn` of `tokenIn` through `pair` (it moves the price).
    function _swap(address pair, DevToken tokenIn, uint256 amountIn) internal {
        uint256 amountOut = _amountOut(pair, address(tokenIn), amountIn);
        if (amountOut == 0) return;
        tokenIn.mint(pair, amountIn);
        bool zeroForOne = IUniswapV2PairLike(pair).token0() == address(tokenIn);
        IUniswapV2PairLike(pair).swap(
            zeroForOne ? 0 : amountOut, zeroForOne ? amountOut : 0, address(this), ""
        );
    }

    /// @dev The creation code in the npm build of `name` (Waffle's layout, which
    ///      `vm.getCode` does not read: it has `bytecode` at two levels).
    function _npmBytecode(string memory name) internal view returns (bytes memory) {
        string memory json = vm.readFile(string.concat(V2_BUILD, name, ".json"));
        return vm.parseBytes(vm.parseJsonString(json, ".bytecode"));
    }

    function _create(bytes memory initCode) private returns (address deployed) {
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        require(deployed != address(0), "create failed");
    }

    function _pair(DevToken token0, uint256 amount0, DevToken token1, uint256 amount1)
        private
        returns (address pair)
    {
        pair = IUniswapV2FactoryLike(factory).createPair(address(token0), address(token1));
        token0.mint(pair, amount0);
        token1.mint(pair, amount1);
        IUniswapV2PairLike(pair).mint(address(this));
    }
}
