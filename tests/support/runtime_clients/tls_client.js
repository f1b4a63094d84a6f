// The Node runtime's client for the runtime matrix ([runtime-matrix]): one TLS handshake per
// input line with ca: set to the connector's bundle (which replaces Node's own roots), the
// host checked by tls.checkServerIdentity as https does. Lines are handled one at a time.
// Input lines: ID <TAB> HOST <TAB> PORT <TAB> CAFILE [<TAB> partial]; "partial" sets
// allowPartialTrustChain, the README's line for intermediate trust.
// Output: ID <TAB> ok|fail <TAB> message.
'use strict';
const fs = require('fs');
const net = require('net');
const tls = require('tls');

function oneLine(text) {
  return String(text).split(/\s+/).join(' ').trim();
}

function handshake(host, port, cafile, partial) {
  return new Promise((resolve) => {
    let ca;
    try {
      ca = fs.readFileSync(cafile);
    } catch (error) {
      resolve(['fail', oneLine(error.message)]);
      return;
    }
    const options = {host: '127.0.0.1', port: Number(port), ca: ca};
    if (partial) {
      options.allowPartialTrustChain = true;
    }
    // An IP literal is no SNI name: Node then checks the identity against `host`.
    if (!net.isIP(host)) {
      options.servername = host;
    }
    options.checkServerIdentity = (_, cert) => tls.checkServerIdentity(host, cert);
    let done = false;
    const finish = (verdict) => {
      if (!done) {
        done = true;
        resolve(verdict);
      }
    };
    let socket;
    try {
      socket = tls.connect(options, () => {
        finish(['ok', '']);
        socket.end();
      });
    } catch (error) {
      finish(['fail', oneLine((error.code || '') + ' ' + error.message)]);
      return;
    }
    socket.setTimeout(10000, () => {
      finish(['fail', 'timeout']);
      socket.destroy();
    });
    socket.on('error', (error) => {
      finish(['fail', oneLine((error.code || '') + ' ' + error.message)]);
    });
  });
}

async function main() {
  const lines = fs.readFileSync(0, 'utf8').split('\n');
  for (const line of lines) {
    const fields = line.split('\t');
    if (fields.length !== 4 && fields.length !== 5) {
      continue;
    }
    const [verdict, message] =
        await handshake(fields[1], fields[2], fields[3], fields[4] === 'partial');
    process.stdout.write(fields[0] + '\t' + verdict + '\t' + message + '\n');
  }
}

main();
