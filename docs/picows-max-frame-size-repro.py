"""picows delivers a frame larger than ``max_frame_size`` to ``on_ws_frame``.

Standalone (picows only): a picows server sends one text frame of 200 KiB to a picows
client opened with ``max_frame_size=64 KiB``. picows logs MESSAGE_TOO_BIG, sends a
close frame and schedules its disconnect 10 ms later, but it keeps parsing, and once
the payload has arrived hands the whole frame to the listener.

    python docs/picows-max-frame-size-repro.py

Seen with picows 2.3.1 (CPython 3.11): "delivered to on_ws_frame: [204800]", after
picows logged "WS parser error: ... MESSAGE_TOO_BIG". Expected: nothing delivered.
"""
import asyncio
import logging

import picows
from picows import WSListener, WSMsgType, ws_connect, ws_create_server

LIMIT = 64 * 1024
SIZE = 200 * 1024


class Server(WSListener):
    def on_ws_connected(self, transport: picows.WSTransport) -> None:
        transport.send(WSMsgType.TEXT, b"x" * SIZE)


class Client(WSListener):
    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        if frame.msg_type == WSMsgType.TEXT:
            self.sizes.append(frame.payload_size)


async def main() -> None:
    server = await ws_create_server(lambda request: Server(), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = Client()
    transport, _ = await ws_connect(lambda: client, f"ws://127.0.0.1:{port}/",
                                    max_frame_size=LIMIT)
    try:
        await asyncio.wait_for(transport.wait_disconnected(), 5)
    except Exception as exc:  # noqa: BLE001 - the stored MESSAGE_TOO_BIG error
        print("disconnected with", repr(exc))
    print(f"picows {picows.__version__}: max_frame_size={LIMIT}, "
          f"delivered to on_ws_frame: {client.sizes}")
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    logging.basicConfig(level=logging.ERROR)
    asyncio.run(main())
