package io.cmrwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/**
 * The /proc reader behind the loopback assertion sees what it must flag, so that assertion can
 * fail.
 */
class ListeningSocketsTest {

  @Test
  void shouldSeeASocketListeningOnAllInterfaces() throws Exception {
    try (ServerSocket wildcard = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
      assertThat(ListeningSockets.ofThisProcess())
          .filteredOn(a -> a.getPort() == wildcard.getLocalPort())
          .singleElement()
          .satisfies(a -> assertThat(a.getAddress().isLoopbackAddress()).isFalse());
    }
  }

  @Test
  void shouldSeeALoopbackSocketAsLoopback() throws Exception {
    try (ServerSocket loopback = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      assertThat(ListeningSockets.ofThisProcess())
          .filteredOn(a -> a.getPort() == loopback.getLocalPort())
          .singleElement()
          .satisfies(a -> assertThat(a.getAddress().isLoopbackAddress()).isTrue());
    }
  }

  @Test
  void shouldDecodeKernelAddresses() throws Exception {
    assertThat(ListeningSockets.parseAddress("0100007F:1F90"))
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080));
    assertThat(ListeningSockets.parseAddress("0000000000000000FFFF00000100007F:2384"))
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 9092));
    assertThat(
            ListeningSockets.parseAddress("00000000000000000000000000000000:2384")
                .getAddress()
                .isAnyLocalAddress())
        .isTrue();
  }
}
