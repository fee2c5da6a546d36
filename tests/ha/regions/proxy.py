"""proxy.py - the link between two regions, on loopback: a TCP proxy that
adds a delay to every byte in each direction and that the harness can cut.

    python3 proxy.py PORT_FILE DELAY_MS TARGET[,TARGET...]

listens on a free 127.0.0.1 port (written to PORT_FILE once listening) and
forwards each connection to the next target in turn (skipping one that
refuses).  Every chunk read on one side is written to the other DELAY_MS
later, in order, so a round trip costs 2 x DELAY_MS more.  SIGUSR1 cuts
the link: every open connection is reset and new ones are closed at once;
SIGUSR2 heals it.  SIGTERM stops the proxy.  Python stdlib only.
"""
import asyncio
import os
import signal
import sys
import time


class Link:
    def __init__(self, targets, delay):
        self.targets = targets
        self.delay = delay
        self.cut = False
        self.next = 0
        self.open = set()

    def set_cut(self, cut):
        self.cut = cut
        if cut:
            for w in list(self.open):
                w.transport.abort()
            self.open.clear()

    async def pump(self, reader, writer):
        """Copy reader to writer, each chunk delay later than it arrived."""
        queue = asyncio.Queue()

        async def deliver():
            while True:
                at, data = await queue.get()
                if data is None:
                    break
                wait = at - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        task = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                queue.put_nowait((time.monotonic() + self.delay, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((0, None))
        try:
            await task
        except (ConnectionError, OSError):
            pass

    async def connect(self):
        for _ in range(len(self.targets)):
            host, port = self.targets[self.next % len(self.targets)]
            self.next += 1
            try:
                return await asyncio.open_connection(host, port)
            except OSError:
                continue
        return None

    async def handle(self, reader, writer):
        if self.cut:
            writer.transport.abort()
            return
        peer = await self.connect()
        if peer is None or self.cut:
            writer.transport.abort()
            if peer:
                peer[1].transport.abort()
            return
        up_reader, up_writer = peer
        self.open.update((writer, up_writer))
        await asyncio.gather(self.pump(reader, up_writer), self.pump(up_reader, writer),
                             return_exceptions=True)
        self.open.discard(writer)
        self.open.discard(up_writer)


async def main(port_file, delay_ms, targets):
    link = Link(targets, delay_ms / 1000.0)
    server = await asyncio.start_server(link.handle, "127.0.0.1", 0)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, link.set_cut, True)
    loop.add_signal_handler(signal.SIGUSR2, link.set_cut, False)
    loop.add_signal_handler(signal.SIGTERM, lambda: stop.done() or stop.set_result(None))
    port = server.sockets[0].getsockname()[1]
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.rename(tmp, port_file)
    await stop
    server.close()
    link.set_cut(True)


if __name__ == "__main__":
    ts = [(t.rsplit(":", 1)[0], int(t.rsplit(":", 1)[1])) for t in sys.argv[3].split(",")]
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), ts))
