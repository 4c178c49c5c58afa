/* townhall's push handlers, loaded into the Workbox service worker with importScripts
 * (web/vite.config.ts). A push is JSON from the server (src/townhall/domain/push.py): why it
 * came, the ids the app opens, and names and text only where the person allows them. The words
 * come from the app itself, in the person's language: src/pwa/push.ts keeps them in the cache
 * below. Every push shows a notification (browsers require it); text is never HTML. */
(function (scope) {
  "use strict";

  var STRINGS_CACHE = "townhall-push";
  var STRINGS_URL = "/push-strings.json";
  var APP = "/channels/@me";

  function fill(template, values) {
    // One pass, so that a name or a message containing "{author}" stays as it is.
    return String(template).replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function safePath(url) {
    return typeof url === "string" && /^\/channels\/(@me|\d+)\/\d+$/.test(url) ? url : APP;
  }

  /** The title and options of the notification for one push. */
  function notificationFor(push, strings) {
    var s = strings || {};
    var author = push.author && push.author.name;
    var values = { author: author || "", channel: push.channel_name || "", guild: push.guild_name || "", count: push.count || 1 };
    var named = Boolean(author);
    var title;
    var body;
    if (push.type === "call") {
      title = named ? author : s.app || "townhall";
      body = s.body_call || "";
    } else {
      if (!named) title = s.app || "townhall";
      else if (push.guild_id) title = fill(s.title_guild || "{author}", values);
      else if (push.channel_name) title = fill(s.title_group || "{author}", values);
      else title = author;
      var key;
      if ((push.count || 1) > 1) key = named ? "body_count" : "body_private_count";
      else if (!named) key = push.reason === "message" || push.reason === "dm" || push.reason === "announcement" ? "body_private" : "body_private_mention";
      else if (!push.guild_id) key = "body_dm";
      else key = "body_" + (push.reason || "message");
      body = typeof push.content === "string" && (push.count || 1) === 1 ? push.content : fill(s[key] || "", values);
    }
    return {
      title: title,
      options: {
        body: body,
        tag: typeof push.tag === "string" ? push.tag : undefined,
        icon: "/pwa-192x192.png",
        badge: "/pwa-192x192.png",
        data: { url: safePath(push.url), type: push.type || "message" },
        requireInteraction: push.type === "call",
        renotify: push.type === "call",
      },
    };
  }

  function strings() {
    if (!scope.caches) return Promise.resolve({});
    return scope.caches
      .open(STRINGS_CACHE)
      .then(function (cache) {
        return cache.match(STRINGS_URL);
      })
      .then(function (found) {
        return found ? found.json() : {};
      })
      .catch(function () {
        return {};
      });
  }

  function openApp(path) {
    var url = new URL(path, scope.location.origin).href;
    return scope.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      var mine = windows.filter(function (w) {
        return new URL(w.url).origin === scope.location.origin;
      });
      var open = mine.find(function (w) {
        return w.focused;
      }) || mine[0];
      if (!open) return scope.clients.openWindow(url);
      open.postMessage({ type: "townhall:open", path: path });
      return open.focus();
    });
  }

  scope.townhallPush = { notificationFor: notificationFor, fill: fill, safePath: safePath, STRINGS_CACHE: STRINGS_CACHE, STRINGS_URL: STRINGS_URL };

  scope.addEventListener("push", function (event) {
    var push = {};
    try {
      push = event.data ? event.data.json() : {};
    } catch (_) {
      push = {};
    }
    event.waitUntil(
      strings().then(function (found) {
        var shown = notificationFor(push, found);
        return scope.registration.showNotification(shown.title, shown.options);
      }),
    );
  });

  scope.addEventListener("notificationclick", function (event) {
    event.notification.close();
    var data = event.notification.data || {};
    event.waitUntil(openApp(safePath(data.url)));
  });
})(self);
