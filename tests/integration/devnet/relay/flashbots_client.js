// The Flashbots JS library (`@flashbots/ethers-provider-bundle` 1.0.0 with ethers 6.7.1), used
// unchanged against the devnet relay: sign a two-transaction bundle, simulate it, send it for a
// block three ahead and wait for the library's own verdict. Prints one JSON line.
//
// usage: node flashbots_client.js RPC_URL RELAY_URL CHAIN_ID
// Keys come from anvil's public test mnemonic (dev accounts 5 and 11); none is passed in.
const { ethers } = require("ethers");
const {
  FlashbotsBundleProvider,
  FlashbotsBundleResolution,
} = require("@flashbots/ethers-provider-bundle");

const MNEMONIC = "test test test test test test test test test test test junk";
const wallet = (index) =>
  ethers.HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);

async function main() {
  const [rpcUrl, relayUrl, chainIdText] = process.argv.slice(2);
  const chainId = Number(chainIdText);
  const network = ethers.Network.from(chainId);
  const provider = new ethers.JsonRpcProvider(rpcUrl, network, { staticNetwork: network });
  provider.pollingInterval = 100;
  const reputation = wallet(11); // signs requests only, holds nothing the bundle spends
  const flashbots = await FlashbotsBundleProvider.create(provider, reputation, relayUrl, chainId);
  const sender = wallet(5).connect(provider);
  const tx = (to, value) => ({
    to,
    value,
    type: 2,
    chainId,
    gasLimit: 21000n,
    maxFeePerGas: 30n * 10n ** 9n,
    maxPriorityFeePerGas: 2n * 10n ** 9n,
  });
  const signed = await flashbots.signBundle([
    { signer: sender, transaction: tx(wallet(6).address, 1000n) },
    { signer: sender, transaction: tx(wallet(7).address, 2000n) },
  ]);
  const target = (await provider.getBlockNumber()) + 3;
  const simulation = await flashbots.simulate(signed, target);
  if ("error" in simulation) throw new Error(`simulate: ${simulation.error.message}`);
  const sent = await flashbots.sendRawBundle(signed, target);
  if ("error" in sent) throw new Error(`sendRawBundle: ${sent.error.message}`);
  const resolution = await sent.wait();
  process.stdout.write(
    JSON.stringify({
      target,
      included: resolution === FlashbotsBundleResolution.BundleIncluded,
      resolution,
      bundleHash: sent.bundleHash,
      hashes: sent.bundleTransactions.map((t) => t.hash),
      simulation: {
        coinbaseDiff: simulation.coinbaseDiff.toString(),
        gasFees: simulation.gasFees.toString(),
        totalGasUsed: simulation.totalGasUsed,
        firstRevert: simulation.firstRevert ?? null,
        results: simulation.results.map((r) => ({ txHash: r.txHash, gasUsed: r.gasUsed })),
      },
    }) + "\n",
  );
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
