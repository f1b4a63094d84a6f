# The Python runtime's client for the runtime matrix ([runtime-matrix]): one TLS handshake per
# input line, verified with the connector's bundle and nothing else (create_default_context
# with cafile= loads no default certificates), the host checked as ssl checks it.
# Input lines: ID <TAB> HOST <TAB> PORT <TAB> CAFILE. Output: ID <TAB> ok|fail <TAB> message.
import socket
import ssl
import sys


def one_line(text):
    return " ".join(str(text).split())


for line in sys.stdin:
    fields = line.rstrip("\n").split("\t")
    if len(fields) != 4:
        continue
    cell, host, port, cafile = fields
    try:
        context = ssl.create_default_context(cafile=cafile)
        with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                pass
        print(cell, "ok", "", sep="\t", flush=True)
    except Exception as error:  # every failure is the cell's verdict, not the client's end
        print(cell, "fail", one_line(type(error).__name__ + ": " + str(error)), sep="\t",
              flush=True)
