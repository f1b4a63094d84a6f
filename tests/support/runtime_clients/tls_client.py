# The Python runtime's client for the runtime matrix ([runtime-matrix]): one TLS handshake per
# input line, verified with the connector's bundle and nothing else (create_default_context
# with cafile= loads no default certificates), the host checked as ssl checks it.
# Input lines: ID <TAB> HOST <TAB> PORT <TAB> CAFILE [<TAB> partial]; "partial" sets
# VERIFY_X509_PARTIAL_CHAIN, the README's line for intermediate trust.
# Output: ID <TAB> ok|fail <TAB> message.
import socket
import ssl
import sys


def one_line(text):
    return " ".join(str(text).split())


for line in sys.stdin:
    fields = line.rstrip("\n").split("\t")
    if len(fields) not in (4, 5):
        continue
    cell, host, port, cafile = fields[:4]
    try:
        context = ssl.create_default_context(cafile=cafile)
        if fields[4:] == ["partial"]:
            context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        with socket.create_connection(("127.0.0.1", int(port)), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname=host):
                pass
        print(cell, "ok", "", sep="\t", flush=True)
    except Exception as error:  # every failure is the cell's verdict, not the client's end
        print(cell, "fail", one_line(type(error).__name__ + ": " + str(error)), sep="\t",
              flush=True)
