package dev.firstboot.report;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class JUnitXmlTest {
    /** Text a misbehaving board could print: control characters, a CDATA end, quotes, markup, a lone surrogate, an emoji. */
    private static final String HOSTILE = "bell\u0007 nul\u0000 esc\u001b ]]> \"double\" 'single' <tag a=\"b\"> & &amp; "
            + "lone\uD800 high \uFFFF rocket \uD83D\uDE80 tab\tend";
    private static final String SAFE = "bell\uFFFD nul\uFFFD esc\uFFFD ]]> \"double\" 'single' <tag a=\"b\"> & &amp; "
            + "lone\uFFFD high \uFFFD rocket \uD83D\uDE80 tab\tend";

    @Test
    void hostileTextGivesWellFormedXmlThatReadsBackAsTheSafeText() throws Exception {
        var doc = new JUnitXml.TestSuites(JUnitXml.attributes("name", HOSTILE, "tests", 3), List.of(
                new JUnitXml.TestSuite(JUnitXml.attributes("name", HOSTILE), Map.of(HOSTILE, HOSTILE), List.of(
                        new JUnitXml.TestCase(JUnitXml.attributes("name", HOSTILE),
                                new JUnitXml.CaseResult.Failure(HOSTILE, "conformance", HOSTILE), HOSTILE),
                        new JUnitXml.TestCase(JUnitXml.attributes("name", "rig"),
                                new JUnitXml.CaseResult.Error(HOSTILE, "rig", HOSTILE), ""),
                        new JUnitXml.TestCase(JUnitXml.attributes("name", "skip"),
                                new JUnitXml.CaseResult.Skipped(HOSTILE), "")))));

        String xml = JUnitXml.toXml(doc);
        Document parsed = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));

        Element suites = parsed.getDocumentElement();
        assertThat(suites.getTagName()).isEqualTo("testsuites");
        assertThat(suites.getAttribute("name")).isEqualTo(SAFE.replace('\t', ' '));
        Element property = (Element) parsed.getElementsByTagName("property").item(0);
        assertThat(property.getAttribute("value")).isEqualTo(SAFE.replace('\t', ' '));
        Element failure = (Element) parsed.getElementsByTagName("failure").item(0);
        assertThat(failure.getTextContent()).isEqualTo(SAFE);
        assertThat(failure.getAttribute("type")).isEqualTo("conformance");
        assertThat(parsed.getElementsByTagName("system-out").item(0).getTextContent()).isEqualTo(SAFE);
        assertThat(parsed.getElementsByTagName("error").item(0).getTextContent()).isEqualTo(SAFE);
        assertThat(((Element) parsed.getElementsByTagName("skipped").item(0)).getAttribute("message"))
                .isEqualTo(SAFE.replace('\t', ' '));
        assertThat(parsed.getElementsByTagName("testcase").getLength()).isEqualTo(3);
    }

    @Test
    void aPassedCaseWithNoOutputIsOneEmptyElementAndEmptyPropertiesAreLeftOut() {
        String xml = JUnitXml.toXml(new JUnitXml.TestSuites(JUnitXml.attributes("tests", 1), List.of(
                new JUnitXml.TestSuite(JUnitXml.attributes("name", "f"), Map.of(), List.of(
                        new JUnitXml.TestCase(JUnitXml.attributes("name", "ok", "time", JUnitXml.seconds(1.5)),
                                new JUnitXml.CaseResult.Passed(), ""))))));

        assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
                .contains("<testcase name=\"ok\" time=\"1.500\"/>")
                .doesNotContain("<properties");
    }
}
