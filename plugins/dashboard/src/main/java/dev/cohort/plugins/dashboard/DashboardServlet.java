package dev.cohort.plugins.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import javax.servlet.AsyncContext;
import javax.servlet.ServletOutputStream;
import javax.servlet.http.Cookie;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * The dashboard over HTTP, read-only: the page and its scripts, uPlot (from inside the bundle),
 * the JSON documents ({@code /api/history}, {@code /api/rollouts}, {@code /api/system}) and the
 * event stream ({@code /events}). Every other method than GET is refused.
 */
final class DashboardServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Map<String, String> FILES = Map.of(
            "/", "web/index.html",
            "/app.js", "web/app.js",
            "/app.css", "web/app.css",
            "/vendor/uplot/uPlot.iife.min.js", "web/vendor/uplot/uPlot.iife.min.js",
            "/vendor/uplot/uPlot.min.css", "web/vendor/uplot/uPlot.min.css",
            "/vendor/uplot/LICENSE", "web/vendor/uplot/LICENSE");

    private final transient DashboardStore store;
    private final transient SseHub hub;
    private final transient SystemInfo system;
    private final transient Supplier<Access> access;

    DashboardServlet(DashboardStore store, SseHub hub, SystemInfo system, Supplier<Access> access) {
        this.store = store;
        this.hub = hub;
        this.system = system;
        this.access = access;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (!allowed(req, resp)) {
            resp.sendError(HttpServletResponse.SC_FORBIDDEN, "the dashboard needs its access token (?token=...)");
            return;
        }
        String path = req.getPathInfo() == null ? "/" : req.getPathInfo();
        switch (path) {
            case "/api/history" -> json(resp, Views.history(store));
            case "/api/rollouts" -> rollouts(req, resp);
            case "/api/system" -> json(resp, system.json(store, Instant.now()));
            case "/events" -> events(req, resp);
            default -> file(path, resp);
        }
    }

    private boolean allowed(HttpServletRequest req, HttpServletResponse resp) {
        Access a = access.get();
        String query = req.getParameter("token");
        String cookie = null;
        if (req.getCookies() != null) {
            for (Cookie c : req.getCookies()) {
                if (Access.COOKIE.equals(c.getName())) {
                    cookie = c.getValue();
                }
            }
        }
        String header = req.getHeader("Authorization");
        String bearer = header != null && header.startsWith("Bearer ") ? header.substring(7) : null;
        boolean ok = a.allows(req.getRemoteAddr(), query, cookie, bearer);
        if (ok && query != null && a.hasToken()) {
            Cookie c = new Cookie(Access.COOKIE, query);
            c.setHttpOnly(true);
            c.setPath("/");
            resp.addCookie(c);
        }
        return ok;
    }

    private void rollouts(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String run = req.getParameter("run");
        String step = req.getParameter("step");
        if (run == null || step == null) {
            json(resp, Views.rolloutIndex(store.rollouts()));
            return;
        }
        long s;
        try {
            s = Long.parseLong(step);
        } catch (NumberFormatException e) {
            resp.sendError(HttpServletResponse.SC_BAD_REQUEST, "step '" + step + "' is not a number");
            return;
        }
        var batch = store.rollouts(run, s);
        if (batch.isEmpty()) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND, "no rollouts of run " + run + " step " + s
                    + " are kept (the dashboard keeps the last steps only)");
            return;
        }
        json(resp, Views.rollouts(batch.get()));
    }

    private void events(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/event-stream");
        resp.setCharacterEncoding("UTF-8");
        resp.setHeader("Cache-Control", "no-cache");
        resp.flushBuffer();
        AsyncContext async = req.startAsync();
        async.setTimeout(0);
        ServletOutputStream out = resp.getOutputStream();
        try {
            hub.add(new SseHub.Sink() {
                @Override
                public void write(String text) throws IOException {
                    out.write(text.getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }

                @Override
                public void close() {
                    try {
                        async.complete();
                    } catch (IllegalStateException e) {
                        // the container already ended the request
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            async.complete(); // the dashboard is stopping; the browser comes back
        }
    }

    private void file(String path, HttpServletResponse resp) throws IOException {
        String resource = FILES.get(path);
        URL url = resource == null ? null : getClass().getClassLoader().getResource(resource);
        if (url == null) {
            resp.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        resp.setContentType(contentType(resource));
        resp.setHeader("Cache-Control", "no-cache");
        try (InputStream in = url.openStream()) {
            in.transferTo(resp.getOutputStream());
        }
    }

    static String contentType(String resource) {
        if (resource.endsWith(".html")) {
            return "text/html;charset=utf-8";
        } else if (resource.endsWith(".js")) {
            return "text/javascript;charset=utf-8";
        } else if (resource.endsWith(".css")) {
            return "text/css;charset=utf-8";
        }
        return "text/plain;charset=utf-8";
    }

    private static void json(HttpServletResponse resp, String body) throws IOException {
        resp.setContentType("application/json;charset=utf-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "the dashboard is read-only");
    }

    @Override
    protected void doPut(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "the dashboard is read-only");
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED, "the dashboard is read-only");
    }
}
