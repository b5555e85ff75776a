// Runs Debian's epubcheck on every file named on the command line in one Java VM: starting
// the VM and loading the validator's schemas costs far more than checking a small EPUB.
// Launched as a source file: java -cp /usr/share/java/epubcheck.jar EpubCheckAll.java a.epub b.epub
public class EpubCheckAll {
    public static void main(String[] args) {
        int failed = 0;
        for (String path : args) {
            System.out.println("=== " + path);
            System.out.flush();
            failed += new com.adobe.epubcheck.tool.EpubChecker().run(new String[] {path}) == 0 ? 0 : 1;
            System.out.flush();
            System.err.flush();
        }
        System.exit(failed);
    }
}
