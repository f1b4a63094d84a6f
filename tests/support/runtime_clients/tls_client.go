// The Go runtime's client for the runtime matrix ([runtime-matrix]): one crypto/tls handshake
// per input line with RootCAs holding only the connector's bundle, ServerName the host.
// Input lines: ID <TAB> HOST <TAB> PORT <TAB> CAFILE. Output: ID <TAB> ok|fail <TAB> message.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

func handshake(host, port, cafile string) error {
	pem, err := os.ReadFile(cafile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	dialer := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort("127.0.0.1", port),
		&tls.Config{RootCAs: pool, ServerName: host})
	if err != nil {
		return err
	}
	return conn.Close()
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fields := strings.Split(in.Text(), "\t")
		if len(fields) != 4 {
			continue
		}
		if err := handshake(fields[1], fields[2], fields[3]); err != nil {
			fmt.Printf("%s\tfail\t%s\n", fields[0], strings.Join(strings.Fields(err.Error()), " "))
		} else {
			fmt.Printf("%s\tok\t\n", fields[0])
		}
	}
}
