package dev.firstboot.report;

import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one JUnit XML writer, for a suite run and a farm run alike. Escaping is the JDK's {@link XMLStreamWriter}; what
 * XML 1.0 cannot carry at all (control characters, unpaired surrogates, U+FFFE/U+FFFF) becomes U+FFFD, so any text a
 * device prints still gives a well-formed file.
 */
public final class JUnitXml {
    private static final XMLOutputFactory OUTPUT = XMLOutputFactory.newFactory();

    /** {@code <testsuites>}: its attributes in the order given, and its suites. */
    public record TestSuites(Map<String, String> attributes, List<TestSuite> suites) {
    }

    /** {@code <testsuite>}: attributes, {@code <properties>} (left out when empty) and test cases. */
    public record TestSuite(Map<String, String> attributes, Map<String, String> properties, List<TestCase> cases) {
    }

    /** {@code <testcase>}: attributes, its result, and {@code <system-out>} text (left out when empty). */
    public record TestCase(Map<String, String> attributes, CaseResult result, String systemOut) {
    }

    /** What a test case came to, as JUnit XML tells it. */
    public sealed interface CaseResult {
        record Passed() implements CaseResult {
        }

        record Failure(String message, String type, String text) implements CaseResult {
        }

        record Error(String message, String type, String text) implements CaseResult {
        }

        record Skipped(String message) implements CaseResult {
        }
    }

    private JUnitXml() {
    }

    /** An ordered attribute map from name, value, name, value, …; values are written with {@link String#valueOf}. */
    public static Map<String, String> attributes(Object... nameValue) {
        if (nameValue.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name, value pairs; got " + nameValue.length + " items");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            out.put(String.valueOf(nameValue[i]), String.valueOf(nameValue[i + 1]));
        }
        return out;
    }

    /** Seconds the way JUnit readers expect them: a dot and three decimals. */
    public static String seconds(double seconds) {
        return String.format(Locale.ROOT, "%.3f", seconds);
    }

    /** The whole document, indented, ending in a newline. */
    public static String toXml(TestSuites document) {
        StringWriter text = new StringWriter();
        try {
            XMLStreamWriter x = OUTPUT.createXMLStreamWriter(text);
            x.writeStartDocument("UTF-8", "1.0");
            x.writeCharacters("\n");
            x.writeStartElement("testsuites");
            attributes(x, document.attributes());
            for (TestSuite suite : document.suites()) {
                indent(x, 1);
                x.writeStartElement("testsuite");
                attributes(x, suite.attributes());
                if (!suite.properties().isEmpty()) {
                    indent(x, 2);
                    x.writeStartElement("properties");
                    for (var p : suite.properties().entrySet()) {
                        indent(x, 3);
                        x.writeEmptyElement("property");
                        x.writeAttribute("name", xmlSafe(p.getKey()));
                        x.writeAttribute("value", xmlSafe(p.getValue()));
                    }
                    indent(x, 2);
                    x.writeEndElement();
                }
                for (TestCase c : suite.cases()) {
                    testCase(x, c);
                }
                indent(x, 1);
                x.writeEndElement();
            }
            indent(x, 0);
            x.writeEndElement();
            x.writeEndDocument();
            x.writeCharacters("\n");
            x.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot write JUnit XML: " + e.getMessage(), e);
        }
        return text.toString();
    }

    private static void testCase(XMLStreamWriter x, TestCase c) throws XMLStreamException {
        indent(x, 2);
        boolean empty = c.result() instanceof CaseResult.Passed && c.systemOut().isEmpty();
        if (empty) {
            x.writeEmptyElement("testcase");
            attributes(x, c.attributes());
            return;
        }
        x.writeStartElement("testcase");
        attributes(x, c.attributes());
        if (c.result() instanceof CaseResult.Failure f) {
            problem(x, "failure", f.message(), f.type(), f.text());
        } else if (c.result() instanceof CaseResult.Error e) {
            problem(x, "error", e.message(), e.type(), e.text());
        } else if (c.result() instanceof CaseResult.Skipped s) {
            indent(x, 3);
            x.writeEmptyElement("skipped");
            x.writeAttribute("message", xmlSafe(s.message()));
        }
        if (!c.systemOut().isEmpty()) {
            indent(x, 3);
            x.writeStartElement("system-out");
            x.writeCharacters(xmlSafe(c.systemOut()));
            x.writeEndElement();
        }
        indent(x, 2);
        x.writeEndElement();
    }

    private static void problem(XMLStreamWriter x, String element, String message, String type, String text)
            throws XMLStreamException {
        indent(x, 3);
        x.writeStartElement(element);
        x.writeAttribute("message", xmlSafe(message));
        x.writeAttribute("type", xmlSafe(type));
        x.writeCharacters(xmlSafe(text));
        x.writeEndElement();
    }

    private static void attributes(XMLStreamWriter x, Map<String, String> attributes) throws XMLStreamException {
        for (var a : attributes.entrySet()) {
            x.writeAttribute(a.getKey(), xmlSafe(a.getValue()));
        }
    }

    private static void indent(XMLStreamWriter x, int depth) throws XMLStreamException {
        x.writeCharacters("\n" + "  ".repeat(depth));
    }

    /** The text with every code point XML 1.0 does not allow replaced by U+FFFD; surrogate pairs are kept whole. */
    static String xmlSafe(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int width = Character.charCount(cp);
            boolean allowed = cp == '\t' || cp == '\n' || cp == '\r'
                    || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (allowed) {
                out.appendCodePoint(cp);
            } else {
                out.append('\uFFFD');
            }
            i += width;
        }
        return out.toString();
    }
}
