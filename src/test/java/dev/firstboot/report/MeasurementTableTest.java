package dev.firstboot.report;

import dev.firstboot.timeline.Measurement;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Measurements as OpenHTF shows them: value, limit, unit, margin and outcome, one row each. */
class MeasurementTableTest {
    @Test
    void eachMeasurementIsARowWithItsLimitMarginAndOutcome() {
        String csv = MeasurementTable.csv(List.of(
                new Measurement("boot → first byte", 0.25, "s", 2),
                new Measurement("registration request → assigned", 5.5, "s", 4),
                Measurement.recorded("shortest poll wait / retry-after", 1.02, "ratio")));
        assertThat(csv.lines()).containsExactly(
                "measurement,value,limit,unit,margin,outcome",
                "boot → first byte,0.250,≤ 2,s,1.750 s (88 %),PASS",
                "registration request → assigned,5.500,≤ 4,s,-1.500 s (-38 %),FAIL",
                "shortest poll wait / retry-after,1.020,none,ratio,,recorded");
    }

    @Test
    void aRecordedValueSaysItHasNoLimitInsteadOfPrintingOne() {
        assertThat(Measurement.recorded("shortest poll wait / retry-after", 2.009, "ratio").toString())
                .isEqualTo("shortest poll wait / retry-after = 2.009 ratio (recorded, no limit)");
        assertThat(new Measurement("boot → hub connected", 3.294, "s", 15).toString())
                .isEqualTo("boot → hub connected = 3.294 s (limit 15.000 s, within)");
    }

    @Test
    void aNameWithACommaOrQuoteStaysOneCell() {
        String csv = MeasurementTable.csv(List.of(new Measurement("a, \"b\"", 1, "KiB", 64)));
        assertThat(csv.lines().skip(1)).containsExactly("\"a, \"\"b\"\"\",1,≤ 64,KiB,63 KiB (98 %),PASS");
    }
}
