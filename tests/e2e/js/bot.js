// An ordinary discord.js 14 bot. Only the REST base (`rest.api`) points it at townhall; the gateway
// address comes from GET /gateway/bot. It reports each step as one JSON line on stdout.
const { Client, GatewayIntentBits, Partials } = require('discord.js');

const report = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent,
    GatewayIntentBits.GuildMessageReactions],
  partials: [Partials.Message, Partials.Reaction],
  rest: { api: process.env.TOWNHALL_API },
});

client.once('clientReady', (c) => report('ready', { user: c.user.id, guilds: [...c.guilds.cache.keys()] }));

client.on('messageCreate', async (message) => {
  if (message.author.id === client.user.id) return;
  try {
    report('heard', { content: message.content, guild: message.guildId, author: message.author.id });
    const reply = await message.reply(`pong: ${message.content}`);
    await message.react('\u2705');
    const history = await message.channel.messages.fetch({ limit: 10 });
    report('history', { ids: [...history.keys()] });
    const edited = await reply.edit('pong (edited)');
    report('edited', { id: edited.id, content: edited.content });
    await reply.delete();
    report('done', { reply: reply.id });
  } catch (error) {
    report('error', { message: String(error && error.stack || error) });
  } finally {
    await client.destroy();
    process.exit(0);
  }
});

client.login(process.env.TOWNHALL_TOKEN).catch((error) => {
  report('error', { message: String(error && error.stack || error) });
  process.exit(1);
});
setTimeout(() => { report('error', { message: 'timed out' }); process.exit(2); }, 60000);
