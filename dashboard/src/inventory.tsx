// The cross-chain inventory panel: asset × chain, each cell the amount held, its USD value and
// where it stands against the rebalancer's band (low / target / high marks on a bar).

import { Badge, Card, Empty } from "./components";
import type { InventoryAssetItem, InventoryBody } from "./crosschain";
import { formatTime, formatUnits, formatUsd, toBigInt } from "./units";

/** Where `amount` sits against low/target/high, drawn on a scale up to 1.25 × high. */
function BandBar({ asset }: { asset: InventoryAssetItem }) {
  const high = toBigInt(asset.high);
  const amount = toBigInt(asset.amount);
  if (high === null || amount === null || high <= 0n) return null;
  const scale = Number(high) * 1.25;
  const at = (value: string | null) => {
    const v = toBigInt(value);
    return v === null ? null : Math.min(100, (Number(v) / scale) * 100);
  };
  const marks: [string, number | null][] = [
    ["low", at(asset.low)],
    ["target", at(asset.target)],
    ["high", at(asset.high)],
  ];
  return (
    <div className="band-bar" title={`low ${asset.low} · target ${asset.target} · high ${asset.high}`}>
      <div className={`band-fill ${asset.band ?? ""}`} style={{ width: `${at(asset.amount) ?? 0}%` }} />
      {marks.map(([name, left]) =>
        left === null ? null : (
          <span key={name} className={`band-mark ${name}`} style={{ left: `${left}%` }} />
        ),
      )}
    </div>
  );
}

export function InventoryPanel({
  inventory,
  message,
}: {
  inventory: InventoryBody | null;
  message: string | null;
}) {
  if (inventory === null) {
    return (
      <Card title="Inventory per chain" testId="inventory-panel">
        <Empty>{message ?? "Loading the inventory…"}</Empty>
      </Card>
    );
  }
  const chains = inventory.chains.map((c) => c.chain);
  const assets = [...new Set(inventory.chains.flatMap((c) => c.assets.map((a) => a.asset)))].sort();
  const cell = (chain: string, asset: string) =>
    inventory.chains.find((c) => c.chain === chain)?.assets.find((a) => a.asset === asset) ?? null;
  return (
    <Card
      title={`Inventory per chain · ${formatUsd(inventory.usd)}`}
      testId="inventory-panel"
      actions={<span className="muted small">at {formatTime(inventory.taken_at)}</span>}
    >
      <div className="table-wrap">
        <table data-testid="inventory-table">
          <thead>
            <tr>
              <th>asset</th>
              {inventory.chains.map((c) => (
                <th key={c.chain}>
                  {c.chain} <span className="muted small">{formatUsd(c.usd)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {assets.map((asset) => (
              <tr key={asset}>
                <td>{asset}</td>
                {chains.map((chain) => {
                  const held = cell(chain, asset);
                  if (held === null)
                    return (
                      <td key={chain} className="muted">
                        —
                      </td>
                    );
                  return (
                    <td
                      key={chain}
                      data-testid="inventory-cell"
                      data-chain={chain}
                      data-asset={asset}
                      data-band={held.band ?? "none"}
                    >
                      <div className="inventory-figures">
                        <span className="num" data-testid="inventory-amount">
                          {formatUnits(held.amount, held.decimals, 4)}
                        </span>
                        <span className="muted small">{formatUsd(held.usd)}</span>
                        {held.band && <Badge value={held.band} />}
                      </div>
                      <BandBar asset={held} />
                      {held.in_flight_in !== "0" && (
                        <div className="small muted">
                          +{formatUnits(held.in_flight_in, held.decimals, 4)} arriving
                        </div>
                      )}
                      {held.in_flight_out !== "0" && (
                        <div className="small muted">
                          −{formatUnits(held.in_flight_out, held.decimals, 4)} leaving
                        </div>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
