package dev.cohort.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.Assume;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * A native library is bound to one class loader at a time: the trainer loads libcohortcuda into
 * its class loader, is updated and refreshed, and the new revision's class loader must load the
 * library again (no "already loaded in another classloader"). Skipped when no library was built.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CudaReloadIT extends CohortTestSupport {

    private static final String CUDA_LIBRARY = "dev.cohort.trainer.internal.backend.CudaLibrary";

    @Test
    public void theLibraryLoadsAgainInTheTrainersNewClassLoaderAfterAnUpdateAndRefresh() throws Exception {
        Assume.assumeTrue("libcohortcuda.so was not built (no nvcc when the fragment was built)",
                CudaFragmentIT.libraryBuilt());
        Bundle trainer = CudaFragmentIT.bundle(context, "dev.cohort.trainer");
        long revisionsBefore = trainer.adapt(org.osgi.framework.wiring.BundleRevisions.class).getRevisions().size();

        String before = gogoOnceRegistered("cohort:backend");
        assertTrue(before, before.contains("CUDA library: loaded from "));
        Class<?> oldClass = trainer.loadClass(CUDA_LIBRARY);
        assertTrue("loaded by the old class loader", libraryLoaded(oldClass));

        trainer.update();
        refresh(trainer);
        assertEquals(Bundle.ACTIVE, trainer.getState());
        assertEquals("the refresh dropped the old revision", revisionsBefore,
                trainer.adapt(org.osgi.framework.wiring.BundleRevisions.class).getRevisions().size());
        assertEquals(Bundle.RESOLVED, CudaFragmentIT.bundle(context, CudaFragmentIT.FRAGMENT).getState());

        Class<?> newClass = trainer.loadClass(CUDA_LIBRARY);
        assertNotSame("a new class loader", oldClass.getClassLoader(), newClass.getClassLoader());
        String after = gogoOnceRegistered("cohort:backend");
        System.out.println("cohort:backend before the update:\n" + before + "after the update and refresh:\n" + after);
        assertFalse(after, after.contains("already loaded"));
        assertTrue(after, after.contains("CUDA library: loaded from "));
        assertTrue("loaded by the new class loader", libraryLoaded(newClass));
    }

    /** CudaLibrary.probe().libraryLoaded() of the given revision's class. */
    private static boolean libraryLoaded(Class<?> cudaLibrary) throws Exception {
        Object probe = cudaLibrary.getMethod("probe").invoke(null);
        Method loaded = probe.getClass().getMethod("libraryLoaded");
        Method reason = probe.getClass().getMethod("reason");
        boolean ok = (Boolean) loaded.invoke(probe);
        if (!ok) {
            throw new AssertionError("library not loaded: " + reason.invoke(probe));
        }
        return true;
    }

    /** FrameworkWiring.refreshBundles, waiting for its PACKAGES_REFRESHED event. */
    private void refresh(Bundle b) throws Exception {
        CompletableFuture<FrameworkEvent> done = new CompletableFuture<>();
        context.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(b), done::complete);
        FrameworkEvent e = done.get(60, TimeUnit.SECONDS);
        assertEquals("refresh: " + e.getThrowable(), FrameworkEvent.PACKAGES_REFRESHED, e.getType());
    }
}
