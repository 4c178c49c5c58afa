import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "./i18n";
import "./styles.css";
import { App } from "./features/app/App";
import { PwaNotices } from "./pwa/PwaNotices";
import { registerServiceWorker } from "./pwa/register";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
    <PwaNotices />
  </StrictMode>,
);
registerServiceWorker();
