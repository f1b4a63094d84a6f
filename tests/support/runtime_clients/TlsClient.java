// The Java runtime's client for the runtime matrix ([runtime-matrix]): one JSSE handshake per
// input line, trusting only the connector's PKCS#12 truststore (the SSLContext is built from it,
// as -Djavax.net.ssl.trustStore would, so cacerts is never read), with HTTPS endpoint
// identification on the host. Run as `java TlsClient.java` (JDK 11+ source launcher).
// Input lines: ID <TAB> HOST <TAB> PORT <TAB> TRUSTSTORE <TAB> PASSWORD.
// Output: ID <TAB> ok|fail <TAB> message.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

public class TlsClient {
  static String oneLine(Throwable error) {
    // The outermost exception says where it failed, the innermost cause why (a
    // CertPathValidatorException under the SSLHandshakeException).
    Throwable root = error;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String out = error.getClass().getSimpleName();
    if (root != error) {
      out += " <- " + root.getClass().getSimpleName();
    }
    return (out + ": " + root.getMessage()).replaceAll("\\s+", " ");
  }

  static void handshake(String host, int port, String truststore, String password)
      throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(truststore)) {
      store.load(in, password.toCharArray());
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    try (Socket plain = new Socket()) {
      plain.connect(new InetSocketAddress("127.0.0.1", port), 10000);
      plain.setSoTimeout(10000);
      // Layered on a socket to 127.0.0.1, named `host`: the name is what HTTPS identification
      // checks, as when an HTTPS client connects to that name.
      try (SSLSocket tls =
               (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true)) {
        SSLParameters params = tls.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        tls.setSSLParameters(params);
        tls.startHandshake();
      }
    }
  }

  public static void main(String[] args) throws Exception {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null;) {
      String[] f = line.split("\t", -1);
      if (f.length != 5) {
        continue;
      }
      String verdict;
      try {
        handshake(f[1], Integer.parseInt(f[2]), f[3], f[4]);
        verdict = "ok\t";
      } catch (Exception error) {
        verdict = "fail\t" + oneLine(error);
      }
      System.out.println(f[0] + "\t" + verdict);
      System.out.flush();
    }
  }
}
