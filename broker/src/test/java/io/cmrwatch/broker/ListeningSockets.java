package io.cmrwatch.broker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The TCP sockets this JVM is listening on, read from Linux's {@code /proc}: the sockets the kernel
 * really bound, not what a configuration says.
 */
final class ListeningSockets {

  private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");
  private static final String TCP_LISTEN = "0A";

  private ListeningSockets() {}

  /** Local addresses of every listening TCP socket owned by this process. */
  static List<InetSocketAddress> ofThisProcess() throws IOException {
    Set<String> inodes = socketInodes();
    List<InetSocketAddress> listening = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.exists(path)) {
        continue;
      }
      List<String> lines = Files.readAllLines(path);
      for (String line : lines.subList(1, lines.size())) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        // ...
        String[] f = line.trim().split("\\s+");
        if (f[3].equals(TCP_LISTEN) && inodes.contains(f[9])) {
          listening.add(parseAddress(f[1]));
        }
      }
    }
    return listening;
  }

  private static Set<String> socketInodes() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          Matcher m = SOCKET_LINK.matcher(Files.readSymbolicLink(fd).toString());
          if (m.matches()) {
            inodes.add(m.group(1));
          }
        } catch (IOException e) {
          // The descriptor was closed while we listed them: not a listener any more.
        }
      }
    }
    return inodes;
  }

  /**
   * {@code 0100007F:1F90} (IPv4) or 32 hex digits + port (IPv6); each 32-bit word is in host
   * (little-endian) order.
   */
  static InetSocketAddress parseAddress(String hex) throws UnknownHostException {
    String[] parts = hex.split(":");
    String ip = parts[0];
    byte[] bytes = new byte[ip.length() / 2];
    for (int word = 0; word < bytes.length / 4; word++) {
      for (int b = 0; b < 4; b++) {
        int from = (word * 4 + (3 - b)) * 2;
        bytes[word * 4 + b] = (byte) Integer.parseInt(ip.substring(from, from + 2), 16);
      }
    }
    return new InetSocketAddress(InetAddress.getByAddress(bytes), Integer.parseInt(parts[1], 16));
  }
}
