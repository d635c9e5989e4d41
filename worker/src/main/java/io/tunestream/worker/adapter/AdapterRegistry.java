package io.tunestream.worker.adapter;

import io.tunestream.worker.adapter.dora.DoraMethod;
import io.tunestream.worker.adapter.edora.EdoraMethod;
import io.tunestream.worker.adapter.full.FullFineTuning;
import io.tunestream.worker.adapter.headonly.HeadOnly;
import io.tunestream.worker.adapter.lora.LoraMethod;
import io.tunestream.worker.adapter.salt.SaltMethod;
import io.tunestream.worker.adapter.saltedora.SaltEdoraMethod;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Every fine-tuning method by id. Registering an id twice fails loudly, as PEFT's registry does. */
public final class AdapterRegistry {

    private final Map<String, AdapterMethod> methods = new LinkedHashMap<>();

    /** The methods Tunestream ships, in the order they are listed to users. */
    public static AdapterRegistry standard() {
        AdapterRegistry registry = new AdapterRegistry();
        registry.register(new LoraMethod());
        registry.register(new DoraMethod());
        registry.register(new SaltMethod());
        registry.register(new SaltEdoraMethod());
        registry.register(new EdoraMethod());
        registry.register(new HeadOnly());
        registry.register(new FullFineTuning());
        return registry;
    }

    public void register(AdapterMethod method) {
        if (!method.id().matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("method id '" + method.id() + "' must be lowercase letters, digits and '_'");
        }
        AdapterMethod previous = methods.putIfAbsent(method.id(), method);
        if (previous != null) {
            throw new IllegalStateException("method id '" + method.id() + "' is already registered by " + previous.getClass().getName());
        }
    }

    public AdapterMethod get(String id) {
        AdapterMethod method = methods.get(id == null ? "" : id.trim());
        if (method == null) {
            throw new IllegalArgumentException("unknown method '" + id + "'; valid methods: " + String.join(", ", methods.keySet()));
        }
        return method;
    }

    public Collection<AdapterMethod> all() {
        return Collections.unmodifiableCollection(methods.values());
    }
}
