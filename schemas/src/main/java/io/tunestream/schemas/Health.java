package io.tunestream.schemas;

/**
 * One answer of a health endpoint (docs/operations.md, "Health"): whether the service is up in the sense asked
 * (alive, ready, started) and why, in words. Served as JSON with 200 when up and 503 when not, so that Kubernetes
 * probes and {@code tunestream health URL} read the status code and people read the reason.
 */
public record Health(boolean up, String detail) {

    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }

    /** 200 when up, 503 when not. */
    public int httpStatus() {
        return up ? 200 : 503;
    }

    /** {@code {"status":"up","detail":"..."}}. */
    public String json() {
        return "{\"status\":\"" + (up ? "up" : "down") + "\",\"detail\":\"" + detail.replace("\\", "\\\\").replace("\"", "\\\"")
                .replace("\n", " ") + "\"}\n";
    }
}
