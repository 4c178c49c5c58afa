import { useEffect } from "react";
import { api } from "../../api/client";
import { matchLanguage, setLanguage } from "../../i18n";
import { actions, useStore } from "../../state/store";
import { AuthScreen } from "../auth/AuthScreen";
import { InviteScreen } from "../guilds/InviteScreen";
import { navigate, parseRoute, usePath } from "./router";
import { Shell } from "./Shell";
import { useUi } from "./ui";

function useTheme() {
  const theme = useUi((u) => u.theme);
  useEffect(() => {
    const media = window.matchMedia("(prefers-color-scheme: dark)");
    const apply = () => {
      document.documentElement.dataset.theme = theme === "system" ? (media.matches ? "dark" : "light") : theme;
    };
    apply();
    media.addEventListener("change", apply);
    return () => media.removeEventListener("change", apply);
  }, [theme]);
}

/** The language stored on the server wins over the browser's, once READY says which it is. */
function useStoredLanguage() {
  const locale = useStore((s) => s.settings.locale);
  useEffect(() => {
    const language = matchLanguage(locale);
    if (language) void setLanguage(language);
  }, [locale]);
}

export function App() {
  const path = usePath();
  const route = parseRoute(path);
  useStore((s) => s.me); // re-render on sign-in and sign-out
  const signedIn = !!api.token;
  useTheme();
  useStoredLanguage();

  useEffect(() => {
    api.onUnauthorized = () => {
      actions.signedOut();
      navigate("/login", true);
    };
    if (api.token) void actions.signedIn(api.token);
  }, []);

  useEffect(() => {
    if (!signedIn && (route.name === "guild" || route.name === "dms")) navigate("/login", true);
    if (signedIn && (route.name === "login" || route.name === "register")) navigate("/channels/@me", true);
  }, [signedIn, route.name]);

  if (route.name === "invite") return <InviteScreen code={route.code} />;
  if (route.name === "login" || route.name === "register") return <AuthScreen key={route.name} mode={route.name} />;
  if (!signedIn) return null;
  return <Shell route={route} />;
}
