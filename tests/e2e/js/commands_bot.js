// An ordinary discord.js 14 bot with a slash command and a button (SlashCommandBuilder,
// ButtonBuilder, interaction.reply, interaction.update). Only the REST base points it at
// townhall. It reports each step as one JSON line on stdout.
const {
  ActionRowBuilder, ButtonBuilder, ButtonStyle, Client, GatewayIntentBits, SlashCommandBuilder,
} = require('discord.js');

const report = (step, data = {}) => console.log(JSON.stringify({ step, ...data }));
const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: process.env.TOWNHALL_API } });

client.once('clientReady', async (c) => {
  try {
    const ping = new SlashCommandBuilder()
      .setName('ping')
      .setDescription('Ping the bot')
      .setDescriptionLocalizations({ de: 'Den Bot anpingen', fr: 'Pinger le bot' })
      .addStringOption((option) => option.setName('note').setDescription('A note').setRequired(false));
    const commands = await c.application.commands.set([ping.toJSON()], process.env.TOWNHALL_GUILD);
    report('synced', { ids: [...commands.keys()] });
  } catch (error) {
    report('error', { message: String(error && error.stack || error) });
  }
});

client.on('interactionCreate', async (interaction) => {
  try {
    if (interaction.isChatInputCommand() && interaction.commandName === 'ping') {
      const note = interaction.options.getString('note') ?? 'nothing';
      const again = new ButtonBuilder().setCustomId('again').setLabel('Again').setStyle(ButtonStyle.Primary);
      await interaction.reply({ content: `pong (${note})`, components: [new ActionRowBuilder().addComponents(again)] });
      report('replied', { user: interaction.user.id });
    } else if (interaction.isButton() && interaction.customId === 'again') {
      await interaction.update({ content: 'pong again', components: [] });
      report('updated', { message: interaction.message.id });
      await client.destroy();
      process.exit(0);
    }
  } catch (error) {
    report('error', { message: String(error && error.stack || error) });
  }
});

client.login(process.env.TOWNHALL_TOKEN).catch((error) => {
  report('error', { message: String(error && error.stack || error) });
  process.exit(1);
});
setTimeout(() => { report('error', { message: 'timed out' }); process.exit(2); }, 60000);
