// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice The entry points of the flash lenders the executor borrows from, as deployed on the
///         devnet from their npm bytecode. Only the functions the executor calls are declared.

/// @dev Balancer V2 Vault (`@balancer-labs/v2-vault` FlashLoans.sol). Lends any token it holds;
///      calls `receiveFlashLoan(tokens, amounts, feeAmounts, userData)` on the recipient and then
///      requires its balance back plus the fee (0 unless governance set one). `nonReentrant`.
interface IBalancerVault {
    function flashLoan(
        address recipient,
        address[] memory tokens,
        uint256[] memory amounts,
        bytes memory userData
    ) external;
}

/// @dev Aave V3 Pool (`@aave/core-v3` FlashLoanLogic.executeFlashLoanSimple). Calls
///      `executeOperation(asset, amount, premium, initiator, params)` on the receiver, which must
///      return true and approve the pool for amount + premium (pulled with transferFrom).
interface IAaveV3Pool {
    function flashLoanSimple(
        address receiverAddress,
        address asset,
        uint256 amount,
        bytes calldata params,
        uint16 referralCode
    ) external;
}

/// @dev Uniswap V3 pool (`@uniswap/v3-core` UniswapV3Pool.flash). Calls
///      `uniswapV3FlashCallback(fee0, fee1, data)` and requires its balances back plus the fees
///      (amount × fee pips / 10^6, rounded up). The pool is locked during the loan.
interface IUniswapV3Flash {
    function flash(address recipient, uint256 amount0, uint256 amount1, bytes calldata data)
        external;
}

/// @dev Uniswap V4 PoolManager (`@uniswap/v4-core` 1.0.2 PoolManager.unlock). Calls
///      `unlockCallback(data)` on the caller, inside which the caller swaps, takes and settles;
///      reverts `CurrencyNotSettled` unless every currency's delta is zero when it returns.
///      It lends anything it holds within the callback (`take`), for no fee.
interface IPoolManager {
    function unlock(bytes calldata data) external returns (bytes memory);
}
