import * as pulumi from "@pulumi/pulumi";
import { dataSyncProvider } from "../components/providers/dataSync";
import { retiredContainerProvider } from "../components/providers/retiredContainer";
import { raftPromotionProvider } from "../components/providers/raftPromotion";
(async () => {
  for (const [n, p] of [["sync", dataSyncProvider], ["retired", retiredContainerProvider], ["promo", raftPromotionProvider]] as const) {
    try {
      const sf = await pulumi.runtime.serializeFunction(() => p, { allowSecrets: true });
      const reqs = [...new Set([...sf.text.matchAll(/require\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]))];
      console.log(n, sf.text.length, reqs);
    } catch (e) { console.log(n, "FAILED", (e as Error).message.slice(0, 2000)); }
  }
})();
