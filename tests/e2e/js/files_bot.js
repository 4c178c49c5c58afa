// An ordinary discord.js 14 bot that handles files: it downloads the file of the first message it
// hears and answers with a file of its own, as `channel.send({ files })` sends one.
const { Client, GatewayIntentBits } = require('discord.js');

const report = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));
const client = new Client({
  intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent],
  rest: { api: process.env.TOWNHALL_API },
});

client.once('clientReady', (c) => report('ready', { user: c.user.id }));

client.on('messageCreate', async (message) => {
  if (message.author.id === client.user.id) return;
  try {
    const file = message.attachments.first();
    const download = await fetch(file.url);
    report('heard', { name: file.name, size: file.size, type: file.contentType, text: await download.text() });
    const sent = await message.channel.send({
      content: 'here is mine',
      files: [{ attachment: Buffer.from('made by discord.js\n'), name: 'from js.txt', description: 'a note' }],
    });
    const mine = sent.attachments.first();
    report('sent', { id: sent.id, name: mine.name, size: mine.size, description: mine.description });
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
