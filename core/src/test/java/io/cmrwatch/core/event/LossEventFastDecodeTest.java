package io.cmrwatch.core.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The streaming fast path of {@link LossEventCodec#decode} gives what the tree path gives, for
 * every input.
 */
class LossEventFastDecodeTest {

  private static final ObjectMapper TREE = new ObjectMapper();

  private static LossEvent viaTree(String json) throws Exception {
    return LossEventCodec.fromTree(TREE.readTree(json));
  }

  @Test
  void shouldDecodeEncodedEventsExactlyAsTheTreePathDoes() throws Exception {
    SplittableRandom rnd = new SplittableRandom(5);
    for (int i = 0; i < 2_000; i++) {
      LossEvent.Builder b =
          LossEvent.builder()
              .experiment("exp-" + rnd.nextInt(9))
              .run("r\u00e9-" + i)
              .ratio(rnd.nextDouble())
              .tokens(rnd.nextLong(1, Long.MAX_VALUE / 2))
              .generalLoss(rnd.nextDouble() * 5)
              .domainLoss(rnd.nextDouble() * 5)
              .baseGeneralLoss(rnd.nextDouble() * 5)
              .baseDomainLoss(rnd.nextDouble())
              .eventId("id-" + i);
      if (i % 2 == 0) {
        b.step((long) i)
            .budgetTokens(1L << 40)
            .learningRate(1e-4 * rnd.nextDouble())
            .time(Instant.ofEpochSecond(1_700_000_000L + i, i))
            .epsilon(0.05)
            .lambda(1000.0)
            .tokenUnit(2e8);
      }
      LossEvent e = b.build();
      String json = LossEventCodec.encodeToString(e);
      assertThat(LossEventCodec.decode(json)).isEqualTo(e).isEqualTo(viaTree(json));
    }
  }

  @Test
  void shouldAgreeOnUnusualButValidForms() throws Exception {
    for (String json :
        List.of(
            // whole numbers for losses, unknown and nested fields, whole floats for tokens,
            // trailing
            // white space (a field named twice or text after the object is rejected:
            // HostileEventTest)
            "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":1,\"tokens\":5,\"generalLoss\":2,"
                + "\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\",\"extra\":{\"a\":[1]}}",
            "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":0.25,\"tokens\":1.2e9,"
                + "\"generalLoss\":2.5,\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\","
                + "\"step\":null,\"time\":null}",
            "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":0.5,\"tokens\":7,\"generalLoss\":2.5,"
                + "\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\"} \n")) {
      assertThat(LossEventCodec.decode(json)).isEqualTo(viaTree(json));
    }
  }

  @Test
  void shouldGiveTheTreePathsReasonsForBadInput() {
    String[] bad = {
      "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":\"NaN\",\"tokens\":5,\"generalLoss\":2,"
          + "\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\"}",
      "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":0.5,\"tokens\":5.5,\"generalLoss\":2,"
          + "\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\"}",
      "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":0.5,\"tokens\":5,\"generalLoss\":2,"
          + "\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\",\"time\":\"noon\"}",
      "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":7,\"tokens\":5,\"generalLoss\":2,"
          + "\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\"}",
      "{\"schema\":1,\"experiment\":\"e\",\"run\":\"r\",\"ratio\":0.5,\"tokens\":99999999999999999999,"
          + "\"generalLoss\":2,\"domainLoss\":3,\"baseGeneralLoss\":2,\"baseDomainLoss\":3,\"eventId\":\"x\"}",
      "{\"schema\":1,\"run\":\"r\"}",
      "[1]",
      "{\"schema\":"
    };
    for (String json : bad) {
      InvalidEventException fast =
          catchThrowableOfType(
              InvalidEventException.class,
              () -> LossEventCodec.decode(json.getBytes(StandardCharsets.UTF_8)));
      assertThat(fast).as(json).isNotNull();
      try {
        viaTree(json);
        throw new AssertionError("the tree path accepted " + json);
      } catch (InvalidEventException tree) {
        assertThat(fast.getMessage()).as(json).isEqualTo(tree.getMessage());
      } catch (Exception notJson) {
        // Malformed JSON: the codec's own reason, checked in LossEventCodecTest.
        assertThat(fast.rejection()).isEqualTo(Rejection.MALFORMED_JSON);
      }
    }
  }
}
