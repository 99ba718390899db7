// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title PancakeV3PoolDeployer (devnet)
/// @notice Deploys PancakeSwap V3 pools for `PancakeV3Factory.createPool`, as the real
///         deployer does. PancakeSwap's v3-core 1.0.2 npm package ships the factory and pool
///         bytecode but only this contract's interface (`IPancakeV3PoolDeployer`). The pool's
///         constructor reads back `parameters()`, so its creation code carries no arguments
///         and its address is CREATE2(this, keccak256(abi.encode(token0, token1, fee)),
///         keccak256(code)), with the npm pool bytecode's hash: the mainnet init code hash.
/// @dev The pool's creation code (23.5 kB) is given to the constructor and kept as the code of
///      a data contract (one 0x00 byte first, so it can never run), read back per deployment.
contract PancakeV3PoolDeployer {
    struct Parameters {
        address factory;
        address token0;
        address token1;
        uint24 fee;
        int24 tickSpacing;
    }

    /// @notice The pool being deployed's parameters; empty outside `deploy`.
    Parameters public parameters;
    /// @notice The only caller of `deploy`, set once by the creator.
    address public factoryAddress;
    address private immutable _creator;
    address private immutable _poolCode;

    error NotFactory(address caller);
    error NotCreator(address caller);
    error FactoryAlreadySet();
    error CodeStoreFailed();
    error PoolDeployFailed();

    event SetFactoryAddress(address indexed factory);

    constructor(bytes memory poolCreationCode) {
        _creator = msg.sender;
        // Init code of the data contract: PUSH2 size, DUP1, PUSH1 12, PUSH1 0, CODECOPY,
        // PUSH1 0, RETURN (12 bytes), then the runtime: 0x00 and the pool's creation code.
        bytes memory init = abi.encodePacked(
            hex"61",
            uint16(poolCreationCode.length + 1),
            hex"80600c6000396000f300",
            poolCreationCode
        );
        address store;
        assembly ("memory-safe") {
            store := create(0, add(init, 32), mload(init))
        }
        if (store == address(0)) revert CodeStoreFailed();
        _poolCode = store;
    }

    function setFactoryAddress(address factory) external {
        if (msg.sender != _creator) revert NotCreator(msg.sender);
        if (factoryAddress != address(0)) revert FactoryAlreadySet();
        factoryAddress = factory;
        emit SetFactoryAddress(factory);
    }

    function deploy(address factory, address token0, address token1, uint24 fee, int24 tickSpacing)
        external
        returns (address pool)
    {
        if (msg.sender != factoryAddress) revert NotFactory(msg.sender);
        parameters = Parameters(factory, token0, token1, fee, tickSpacing);
        address store = _poolCode;
        uint256 size = store.code.length - 1;
        bytes memory code = new bytes(size);
        bytes32 salt = keccak256(abi.encode(token0, token1, fee));
        assembly ("memory-safe") {
            extcodecopy(store, add(code, 32), 1, size)
            pool := create2(0, add(code, 32), size, salt)
        }
        if (pool == address(0)) revert PoolDeployFailed();
        delete parameters;
    }
}
