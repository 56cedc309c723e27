package dev.firstboot.device.serial;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LineSplitterTest {
    private final LineSplitter splitter = new LineSplitter();

    private List<String> feed(String... chunks) {
        List<String> out = new ArrayList<>();
        for (String chunk : chunks) {
            byte[] b = chunk.getBytes(StandardCharsets.UTF_8);
            out.addAll(splitter.feed(b, b.length));
        }
        return out;
    }

    @Test
    void crLfAndCrlfEachEndOneLine() {
        assertThat(feed("a\r\nb\rc\nd\r\n")).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aCrlfSplitAcrossReadsEndsOneLine() {
        assertThat(feed("a\r", "\nb\r", "\n")).containsExactly("a", "b");
    }

    @Test
    void blankLinesAndNulBytesAreDropped() {
        assertThat(feed("\r\n\r\n\0x\0y\n\n\r\r")).containsExactly("xy");
    }

    @Test
    void theUnfinishedLineIsVisibleAndFlushedAtTheEnd() {
        assertThat(feed("help\r\n# ")).containsExactly("help");
        assertThat(splitter.partial()).isEqualTo("# ");
        assertThat(splitter.flush()).isEqualTo("# ");
        assertThat(splitter.partial()).isEmpty();
    }
}
