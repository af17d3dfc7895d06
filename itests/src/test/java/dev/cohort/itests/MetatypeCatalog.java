package dev.cohort.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Every configuration a set of bundles declares through the OSGi Metatype descriptors that bnd
 * writes from {@code @ObjectClassDefinition}/{@code @Designate} (OSGI-INF/metatype/*.xml): the
 * PIDs, whether each is a factory PID, and the properties with their types and defaults.
 */
final class MetatypeCatalog {

    /** One attribute definition. {@code cardinality} 0 is a scalar; otherwise an array or list. */
    record Property(String id, String type, String defaultValue, int cardinality, String description) {

        /** The type as the docs write it: {@code Long}, {@code String[]}. */
        String typeName() {
            return cardinality == 0 ? type : type + "[]";
        }
    }

    /** One designated PID and the bundle that declares it. */
    record Pid(String pid, boolean factory, String bundle, List<Property> properties) {
    }

    private MetatypeCatalog() {
    }

    /** The PIDs of the given bundle jars, sorted by PID. */
    static Map<String, Pid> of(List<Path> bundles) {
        Map<String, Pid> pids = new TreeMap<>();
        for (Path jar : bundles) {
            try (JarFile file = new JarFile(jar.toFile())) {
                String bsn = file.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                for (Enumeration<? extends ZipEntry> e = file.entries(); e.hasMoreElements();) {
                    ZipEntry entry = e.nextElement();
                    if (entry.getName().startsWith("OSGI-INF/metatype/") && entry.getName().endsWith(".xml")) {
                        try (InputStream in = file.getInputStream(entry)) {
                            read(parse(in), bsn, pids);
                        }
                    }
                }
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot read " + jar, ex);
            }
        }
        return pids;
    }

    private static Document parse(InputStream in) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(false);
            return factory.newDocumentBuilder().parse(in);
        } catch (javax.xml.parsers.ParserConfigurationException | org.xml.sax.SAXException ex) {
            throw new IOException(ex);
        }
    }

    private static void read(Document doc, String bundle, Map<String, Pid> pids) {
        Map<String, List<Property>> ocds = new HashMap<>();
        NodeList ocdNodes = doc.getElementsByTagName("OCD");
        for (int i = 0; i < ocdNodes.getLength(); i++) {
            Element ocd = (Element) ocdNodes.item(i);
            List<Property> properties = new ArrayList<>();
            NodeList ads = ocd.getElementsByTagName("AD");
            for (int j = 0; j < ads.getLength(); j++) {
                Element ad = (Element) ads.item(j);
                String cardinality = ad.getAttribute("cardinality");
                properties.add(new Property(ad.getAttribute("id"), ad.getAttribute("type"), ad.getAttribute("default"),
                        cardinality.isEmpty() ? 0 : Integer.parseInt(cardinality), ad.getAttribute("description")));
            }
            ocds.put(ocd.getAttribute("id"), properties);
        }
        NodeList designates = doc.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element designate = (Element) designates.item(i);
            String ref = ((Element) designate.getElementsByTagName("Object").item(0)).getAttribute("ocdref");
            boolean factory = !designate.getAttribute("factoryPid").isEmpty();
            String pid = factory ? designate.getAttribute("factoryPid") : designate.getAttribute("pid");
            pids.put(pid, new Pid(pid, factory, bundle, ocds.getOrDefault(ref, List.of())));
        }
    }
}
