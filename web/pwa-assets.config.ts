// The app's icons, made from the one drawing in public/favicon.svg by `npm run gen:icons`
// (@vite-pwa/assets-generator, which uses sharp). The PNGs are committed: a build needs no image
// tools. The maskable and Apple icons get the brand colour behind them, because Android crops
// maskable icons to a shape of its own and iOS fills transparency with black.
import { defineConfig } from "@vite-pwa/assets-generator/config";

const BRAND = "#4f5bd5"; // --brand in src/styles.css

export default defineConfig({
  headLinkOptions: { preset: "2023" },
  preset: {
    transparent: { sizes: [192, 512], favicons: [] },
    maskable: { sizes: [512], padding: 0.2, resizeOptions: { background: BRAND } },
    apple: { sizes: [180], padding: 0, resizeOptions: { background: BRAND } },
  },
  images: ["public/favicon.svg"],
});
