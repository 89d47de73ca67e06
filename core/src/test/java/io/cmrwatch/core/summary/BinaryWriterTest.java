package io.cmrwatch.core.summary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The hand-written writer and reader keep the exact {@code DataOutputStream} layout of stored
 * summaries.
 */
class BinaryWriterTest {

  private static final String[] STRINGS = {
    "", "run-1", "exp/é", "\u0000nul", "日本語", "emoji \uD83D\uDE00", "x".repeat(300)
  };

  @Test
  void shouldWriteTheBytesDataOutputStreamWritesAndReadThemBack() throws IOException {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int round = 0; round < 200; round++) {
      ByteArrayOutputStream expected = new ByteArrayOutputStream();
      DataOutputStream data = new DataOutputStream(expected);
      BinaryWriter w = new BinaryWriter(1);
      long l = rnd.nextLong();
      int i = rnd.nextInt();
      double d = round % 10 == 0 ? Double.NaN : Double.longBitsToDouble(rnd.nextLong());
      String s = STRINGS[round % STRINGS.length];
      data.writeByte(round);
      w.writeByte(round);
      data.writeBoolean(round % 2 == 0);
      w.writeBoolean(round % 2 == 0);
      data.writeInt(i);
      w.writeInt(i);
      data.writeLong(l);
      w.writeLong(l);
      data.writeDouble(d);
      w.writeDouble(d);
      data.writeUTF(s);
      w.writeUTF(s);
      w.writeVarLong(l >>> (round % 64));
      data.flush();
      byte[] bytes = w.toByteArray();
      byte[] prefix = expected.toByteArray();
      assertThat(bytes).startsWith(prefix);

      BinaryReader r = new BinaryReader(bytes);
      assertThat(r.readUnsignedByte()).isEqualTo(round & 0xFF);
      assertThat(r.readBoolean()).isEqualTo(round % 2 == 0);
      assertThat(r.readInt()).isEqualTo(i);
      assertThat(r.readLong()).isEqualTo(l);
      assertThat(Double.doubleToLongBits(r.readDouble())).isEqualTo(Double.doubleToLongBits(d));
      assertThat(r.readUTF()).isEqualTo(s);
      assertThat(r.readVarLong()).isEqualTo(l >>> (round % 64));
      assertThat(r.atEnd()).isTrue();
    }
  }

  @Test
  void shouldRefuseTruncatedAndMalformedInput() {
    assertThatThrownBy(() -> new BinaryReader(new byte[] {1, 2, 3}).readLong())
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> new BinaryReader(new byte[] {0, 2, (byte) 0xC3}).readUTF())
        .isInstanceOf(EOFException.class);
    assertThatThrownBy(() -> new BinaryReader(new byte[] {0, 2, (byte) 0xC3, 0x41}).readUTF())
        .isInstanceOf(UTFDataFormatException.class);
    assertThatThrownBy(() -> new BinaryReader(new byte[] {0, 1, (byte) 0xF0}).readUTF())
        .isInstanceOf(UTFDataFormatException.class);
    assertThatThrownBy(() -> new BinaryWriter(4).writeUTF("日".repeat(30_000)))
        .isInstanceOf(UTFDataFormatException.class);
  }
}
