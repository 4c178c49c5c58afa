"""An ordinary nextcord 3.2 bot (Python 3.12+). Only the REST base points it at townhall (a plain
`Client` asks `GET /gateway` for the WebSocket address). On connect it fetches the application's
commands to sync them, as every nextcord `Client` does. It reports each step as one JSON line.

Run by tests/e2e/test_python_bots.py in its own virtual environment.
"""

import asyncio
import json
import os
import sys

import nextcord


def report(step, **data):
    print(json.dumps({"step": step, **data}), flush=True)


nextcord.http.Route.BASE = os.environ["TOWNHALL_API"] + "/v10"

intents = nextcord.Intents.default()
intents.message_content = True
client = nextcord.Client(intents=intents)


@client.event
async def on_ready():
    report("ready", user=str(client.user.id), guilds=[str(g.id) for g in client.guilds])


@client.event
async def on_message(message):
    if message.author.id == client.user.id:
        return
    try:
        report(
            "heard",
            content=message.content,
            guild=str(message.guild.id),
            author=str(message.author.id),
        )
        reply = await message.reply(f"pong: {message.content}")
        report("replied", id=str(reply.id), reference=str(reply.reference.message_id))
        await message.add_reaction("\u2705")
        history = [m async for m in message.channel.history(limit=10)]
        report("history", ids=[str(m.id) for m in history])
        edited = await reply.edit(content="pong (edited)")
        report("edited", id=str(edited.id), content=edited.content)
        await reply.delete()
        report("done", reply=str(reply.id))
    except Exception as error:  # the test reads this line and fails with it
        report("error", message=repr(error))
    finally:
        await client.close()


async def main():
    try:
        await asyncio.wait_for(client.start(os.environ["TOWNHALL_TOKEN"]), 60)
    except Exception as error:
        report("error", message=repr(error))
        sys.exit(1)


asyncio.run(main())
