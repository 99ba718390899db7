// Hash routes (#/trades, #/trade/<opportunity id>): the API serves one index.html, and a hash
// never reaches the server, so every view is a bookmarkable link without a server-side rule.

import { useEffect, useState } from "react";

export type Page =
  "overview" | "live" | "trades" | "trade" | "crosschain" | "cluster" | "rejected" | "alerts" | "breaker";

export interface Route {
  page: Page;
  param: string | null;
}

const PAGES: ReadonlySet<string> = new Set([
  "overview",
  "live",
  "trades",
  "trade",
  "crosschain",
  "cluster",
  "rejected",
  "alerts",
  "breaker",
]);

export function parseHash(hash: string): Route {
  const [name = "", ...rest] = hash.replace(/^#\/?/, "").split("/");
  const page = PAGES.has(name) ? (name as Page) : "overview";
  const param = rest.length ? decodeURIComponent(rest.join("/")) : null;
  return { page, param };
}

export function href(page: Page, param?: string): string {
  return param ? `#/${page}/${encodeURIComponent(param)}` : `#/${page}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseHash(window.location.hash));
      window.scrollTo(0, 0);
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
