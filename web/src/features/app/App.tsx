import { useEffect, useRef } from "react";
import { api } from "../../api/client";
import { matchLanguage, setLanguage } from "../../i18n";
import { actions, useStore } from "../../state/store";
import { AuthScreen } from "../auth/AuthScreen";
import { InviteScreen } from "../guilds/InviteScreen";
import { PublicChannel } from "../public/PublicChannel";
import { GuestFrame } from "../guests/GuestBanner";
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
  // A channel's address opened by someone who is not in its guild: the public view, when it is a
  // public channel (features/public/).
  const channelId = route.name === "guild" ? route.channelId : null;
  const stranger = useStore(
    (s) => route.name === "guild" && s.status === "ready" && !s.guildIds.includes(route.guildId) && !s.guilds[route.guildId],
  );
  useTheme();
  useStoredLanguage();

  useEffect(() => {
    api.onUnauthorized = () => {
      actions.signedOut();
      navigate("/login", true);
    };
    if (api.token) void actions.signedIn(api.token);
  }, []);

  // Signing out (or a revoked token) leads to the login, also from a channel's address, which
  // otherwise shows a visitor the public view.
  const wasSignedIn = useRef(signedIn);
  useEffect(() => {
    const signedOut = wasSignedIn.current && !signedIn;
    wasSignedIn.current = signedIn;
    if (!signedIn && (route.name === "dms" || (route.name === "guild" && (!channelId || signedOut)))) navigate("/login", true);
    if (signedIn && (route.name === "login" || route.name === "register")) navigate("/channels/@me", true);
  }, [signedIn, route.name, channelId]);

  if (route.name === "invite") return <InviteScreen code={route.code} />;
  if (route.name === "login" || route.name === "register") return <AuthScreen key={route.name} mode={route.name} />;
  if (route.name === "guild" && channelId && (!signedIn || stranger)) {
    const shell = signedIn ? <Shell route={route} /> : undefined;
    return <PublicChannel key={channelId} guildId={route.guildId} channelId={channelId} signedIn={signedIn} otherwise={shell} />;
  }
  if (!signedIn) return null;
  return (
    <GuestFrame>
      <Shell route={route} />
    </GuestFrame>
  );
}
