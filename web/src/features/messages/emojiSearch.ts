/** `:emoji:` autocomplete, from emoji-mart's data, loaded on first use. */

interface EmojiData {
  emojis: Record<string, { id: string; name: string; keywords: string[]; skins: { native: string }[] }>;
}

let data: Promise<EmojiData> | null = null;

export async function searchEmoji(query: string, limit = 8): Promise<{ id: string; native: string }[]> {
  data ??= import("@emoji-mart/data").then((m) => m.default as unknown as EmojiData);
  const { emojis } = await data;
  const q = query.toLowerCase();
  const starts: { id: string; native: string }[] = [];
  const contains: { id: string; native: string }[] = [];
  for (const emoji of Object.values(emojis)) {
    const native = emoji.skins[0]?.native;
    if (!native) continue;
    if (emoji.id.startsWith(q)) starts.push({ id: emoji.id, native });
    else if (emoji.id.includes(q) || emoji.keywords.some((k) => k.startsWith(q))) contains.push({ id: emoji.id, native });
    if (starts.length >= limit) break;
  }
  return [...starts, ...contains].slice(0, limit);
}
