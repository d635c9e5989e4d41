import io.tunestream.broker.EmbeddedKafkaBroker;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Minimal KIP-932 share-group experiments against the Tunestream embedded broker (Kafka 4.4.0).
 * Scenarios: s1 s2silent s2renew s3 s4a s4b s4close s5 (default: all). Every wait is bounded.
 */
public class Repro {
    static final long T0 = System.nanoTime();
    static final int LOCK_MS = 3000;
    static final Duration POLL = Duration.ofMillis(200);
    static EmbeddedKafkaBroker broker;
    static String bootstrap;
    static Admin admin;
    static KafkaProducer<String, String> producer;
    static final Map<String, Long> producedAt = new ConcurrentHashMap<>();
    static final List<Member> open = new CopyOnWriteArrayList<>();

    static double secs(long nanos) { return nanos / 1e9; }
    static long now() { return System.nanoTime(); }
    static long ms(long fromNanos) { return (now() - fromNanos) / 1_000_000; }

    static synchronized void log(String fmt, Object... a) {
        System.out.printf("[%8.3f %s] %s%n", secs(now() - T0),
                java.time.LocalTime.now().format(java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS")), String.format(fmt, a));
        System.out.flush();
    }

    static void sleep(long ms) {
        try { Thread.sleep(ms); } catch (InterruptedException e) { throw new RuntimeException(e); }
    }

    // ------------------------------------------------------------------ consumer on its own thread
    static final class Member {
        final String name;
        final String group;
        final ExecutorService ex;
        KafkaShareConsumer<String, String> c;
        volatile boolean looping;
        Future<?> loop;
        final List<String> got = Collections.synchronizedList(new ArrayList<>());

        Member(String name, String group, int maxPollRecords) {
            this.name = name;
            this.group = group;
            this.ex = Executors.newSingleThreadExecutor(r -> { Thread t = new Thread(r, name); t.setDaemon(true); return t; });
            Properties p = new Properties();
            p.put("bootstrap.servers", bootstrap);
            p.put("group.id", group);
            p.put("client.id", name);
            p.put("key.deserializer", StringDeserializer.class.getName());
            p.put("value.deserializer", StringDeserializer.class.getName());
            p.put("share.acknowledgement.mode", "explicit");
            p.put("share.acquire.mode", "record_limit");
            p.put("max.poll.records", Integer.toString(maxPollRecords));
            call(() -> { c = new KafkaShareConsumer<>(p); return null; });
            open.add(this);
        }

        <T> T call(Callable<T> task) {
            try {
                return ex.submit(task).get(60, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new RuntimeException(e.getCause());
            } catch (InterruptedException | TimeoutException e) {
                throw new RuntimeException(name + ": task did not finish in 60 s", e);
            }
        }

        void subscribe(String topic) { call(() -> { c.subscribe(List.of(topic)); return null; }); }

        /** An idle worker that finishes instantly: poll, ACCEPT, commit, repeat; bounded by maxMs. */
        void startIdle(long maxMs) {
            looping = true;
            loop = ex.submit(() -> {
                long end = now() + maxMs * 1_000_000;
                while (looping && now() < end) {
                    ConsumerRecords<String, String> recs = c.poll(POLL);
                    for (ConsumerRecord<String, String> r : recs) {
                        note(r, "idle-poll");
                        c.acknowledge(r, AcknowledgeType.ACCEPT);
                    }
                    if (!recs.isEmpty()) {
                        Map<TopicIdPartition, Optional<KafkaException>> res = c.commitSync(Duration.ofSeconds(5));
                        log("%s   ACCEPT -> commitSync %s", name, res.values().stream().map(o -> o.map(Object::toString).orElse("ok")).toList());
                    }
                }
                return null;
            });
        }

        void stopIdle() {
            looping = false;
            try { if (loop != null) loop.get(10, TimeUnit.SECONDS); } catch (Exception e) { log("%s loop ended with %s", name, e); }
            loop = null;
        }

        void note(ConsumerRecord<String, String> r, String how) {
            Long p = producedAt.get(r.value());
            String lat = p == null ? "?" : Long.toString((now() - p) / 1_000_000);
            got.add(r.value());
            log("%s GOT %s-%d@%d value=%s deliveryCount=%s (%s ms after produce) [%s]", name, r.topic(), r.partition(),
                    r.offset(), r.value(), r.deliveryCount().orElse((short) -1), lat, how);
        }

        /** Polls (no ack) until a non-empty batch or maxMs; returns the batch. */
        List<ConsumerRecord<String, String>> pollUntilAny(long maxMs) {
            return call(() -> {
                long end = now() + maxMs * 1_000_000;
                while (now() < end) {
                    ConsumerRecords<String, String> recs = c.poll(POLL);
                    if (!recs.isEmpty()) {
                        List<ConsumerRecord<String, String>> l = new ArrayList<>();
                        recs.forEach(l::add);
                        for (ConsumerRecord<String, String> r : l) note(r, "pollUntilAny");
                        return l;
                    }
                }
                return List.of();
            });
        }

        Set<TopicPartition> clientAssignment() {
            // read from any thread: SubscriptionState is synchronized
            try {
                // KafkaShareConsumer has no public assignment(): read its SubscriptionState.
                Object delegate = field(c, "delegate");
                Object subs = field(delegate, "subscriptions");
                @SuppressWarnings("unchecked")
                Set<TopicPartition> s = (Set<TopicPartition>) subs.getClass().getMethod("assignedPartitions").invoke(subs);
                return s.stream().sorted(Comparator.comparing(TopicPartition::toString))
                        .collect(Collectors.toCollection(LinkedHashSet::new));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }

        void close() {
            stopIdle();
            try { call(() -> { c.close(Duration.ofSeconds(5)); return null; }); } catch (RuntimeException e) { log("%s close: %s", name, e); }
            ex.shutdownNow();
            open.remove(this);
        }
    }

    static TopicPartition tp(String s) {
        int i = s.lastIndexOf('-');
        return new TopicPartition(s.substring(0, i), Integer.parseInt(s.substring(i + 1)));
    }

    static Object field(Object o, String name) throws Exception {
        for (Class<?> k = o.getClass(); k != null; k = k.getSuperclass()) {
            try { Field f = k.getDeclaredField(name); f.setAccessible(true); return f.get(o); } catch (NoSuchFieldException e) { /* up */ }
        }
        throw new NoSuchFieldException(name);
    }

    // ------------------------------------------------------------------ broker / admin helpers
    static void createTopic(String topic, int partitions) throws Exception {
        admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }

    static void earliest(String group) throws Exception {
        ConfigResource g = new ConfigResource(ConfigResource.Type.GROUP, group);
        admin.incrementalAlterConfigs(Map.of(g, List.of(new AlterConfigOp(
                new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET)))).all().get(30, TimeUnit.SECONDS);
    }

    static String produce(String topic, int partition, String value) throws Exception {
        producedAt.put(value, now());
        producer.send(new ProducerRecord<>(topic, partition, value, value)).get(10, TimeUnit.SECONDS);
        log("produced %s to %s-%d", value, topic, partition);
        return value;
    }

    /** Broker-side view: clientId -> assigned partitions. */
    static Map<String, Set<TopicPartition>> brokerAssignment(String group) throws Exception {
        ShareGroupDescription d;
        try {
            d = admin.describeShareGroups(List.of(group)).describedGroups().get(group).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.GroupIdNotFoundException) return new TreeMap<>();
            throw e;
        }
        Map<String, Set<TopicPartition>> m = new TreeMap<>();
        for (ShareMemberDescription md : d.members()) {
            m.put(md.clientId(), new TreeSet<>(Comparator.comparing(TopicPartition::toString)) {{ addAll(md.assignment().topicPartitions()); }});
        }
        return m;
    }

    /** Waits until the broker shows n members, each with a non-empty assignment, and the clients agree. */
    static Map<String, Set<TopicPartition>> awaitAssignment(String group, List<Member> members, long maxMs) throws Exception {
        long start = now();
        Map<String, Set<TopicPartition>> m = Map.of();
        while (ms(start) < maxMs) {
            m = brokerAssignment(group);
            boolean ok = m.size() == members.size() && m.values().stream().noneMatch(Set::isEmpty);
            if (ok) {
                boolean agree = true;
                for (Member mem : members) {
                    Set<TopicPartition> cl = mem.clientAssignment();
                    if (!new HashSet<>(cl).equals(new HashSet<>(m.get(mem.name)))) agree = false;
                }
                if (agree) {
                    log("assignment of %s stable after %d ms: %s", group, ms(start), m);
                    return m;
                }
            }
            sleep(250);
        }
        log("assignment of %s NOT stable after %d ms: %s", group, ms(start), m);
        return m;
    }

    static void closeAll() {
        for (Member m : new ArrayList<>(open)) m.close();
    }

    static String startOffsets(String group, String topic) {
        try {
            ListShareGroupOffsetsResult r = admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec()));
            return r.partitionsToOffsetInfo(group).get(10, TimeUnit.SECONDS).entrySet().stream()
                    .filter(e -> e.getKey().topic().equals(topic))
                    .sorted(Comparator.comparing(e -> e.getKey().partition()))
                    .map(e -> e.getKey().partition() + "=" + (e.getValue() == null ? "null" : e.getValue().startOffset() + "/lag" + e.getValue().lag().map(String::valueOf).orElse("?")))
                    .collect(Collectors.joining(", ", "{", "}"));
        } catch (Exception e) {
            return "n/a (" + e + ")";
        }
    }

    // ------------------------------------------------------------------ scenarios
    static List<Member> trio(String group, String topic) throws Exception {
        earliest(group);
        List<Member> ms = List.of(new Member("A", group, 1), new Member("B", group, 1), new Member("C", group, 1));
        for (Member m : ms) m.subscribe(topic);
        for (Member m : ms) m.startIdle(30_000);
        awaitAssignment(group, ms, 30_000);
        return ms;
    }

    static void s1() throws Exception {
        log("=== S1: assignment with 3 share consumers, 6 partitions vs 1 partition");
        createTopic("s1-six", 6);
        long t = now();
        List<Member> ms = trio("g-s1-six", "s1-six");
        log("S1 six partitions: took %d ms", ms(t));
        for (Member m : ms) log("S1 six: %s client-side assignment = %s", m.name, m.clientAssignment());
        closeAll();
        createTopic("s1-one", 1);
        t = now();
        ms = trio("g-s1-one", "s1-one");
        log("S1 one partition: took %d ms", ms(t));
        for (Member m : ms) log("S1 one: %s client-side assignment = %s", m.name, m.clientAssignment());
        closeAll();
    }

    /**
     * A takes one record and goes busy for 15 s, either silent (never polls) or renewing as the worker did at HEAD
     * (RENEW every lock/3, then poll(200 ms) until the renewed copy is back; any other record returned is RELEASEd).
     */
    static void s2(boolean renew, int partitions, String tag) throws Exception {
        log("=== %s: busy A (%s) with %d partition(s)", tag, renew ? "renewing every 1 s" : "silent", partitions);
        String topic = tag + "-t";
        String group = "g-" + tag;
        createTopic(topic, partitions);
        List<Member> ms = trio(group, topic);
        Member a = ms.get(0), b = ms.get(1), c = ms.get(2);
        Map<String, Set<TopicPartition>> asg = brokerAssignment(group);
        List<Integer> pa = asg.get("A").stream().map(TopicPartition::partition).sorted().toList();
        List<Integer> pb = asg.get("B").stream().map(TopicPartition::partition).sorted().toList();
        a.stopIdle();
        produce(topic, pa.get(0), tag + "-r0");
        List<ConsumerRecord<String, String>> first = a.pollUntilAny(10_000);
        if (first.isEmpty()) { log("%s: A got nothing (B/C took r0?); abort scenario", tag); closeAll(); return; }
        ConsumerRecord<String, String> held0 = first.get(0);
        long busyStart = now();
        log("%s: A is busy from now, holding %s@%d (poll returned %d record(s))", tag, held0.value(), held0.offset(), first.size());
        // records arriving while A is busy: two on A's partitions, one on B's (control)
        produce(topic, pa.get(0), tag + "-x1");
        produce(topic, pa.size() > 1 ? pa.get(1) : pa.get(0), tag + "-x2");
        produce(topic, pb.get(0), tag + "-y-on-B");
        final ConsumerRecord<String, String>[] held = new ConsumerRecord[] {held0};
        int[] renewals = {0};
        int[] others = {0};
        a.call(() -> {
            long end = busyStart + 15_000_000_000L;
            long nextRenew = busyStart + LOCK_MS / 3 * 1_000_000L;
            boolean inFlight = false;
            while (now() < end) {
                if (!renew) { Thread.sleep(200); continue; }
                if (!inFlight && now() >= nextRenew) {
                    a.c.acknowledge(held[0], AcknowledgeType.RENEW);
                    inFlight = true;
                }
                if (inFlight) {
                    ConsumerRecords<String, String> recs = a.c.poll(POLL);
                    for (ConsumerRecord<String, String> r : recs) {
                        if (r.partition() == held[0].partition() && r.offset() == held[0].offset()) {
                            held[0] = r; inFlight = false; renewals[0]++;
                            nextRenew = now() + LOCK_MS / 3 * 1_000_000L;
                        } else {
                            others[0]++;
                            a.note(r, "renew-poll returned ANOTHER record -> RELEASE");
                            a.c.acknowledge(r, AcknowledgeType.RELEASE);
                        }
                    }
                } else {
                    Thread.sleep(200);
                }
            }
            if (inFlight) {
                // wait (bounded) for the renewed copy, so the record is acknowledgeable again
                long e2 = now() + 3_000_000_000L;
                while (inFlight && now() < e2) {
                    for (ConsumerRecord<String, String> r : a.c.poll(POLL)) {
                        if (r.partition() == held[0].partition() && r.offset() == held[0].offset()) { held[0] = r; inFlight = false; renewals[0]++; }
                        else { others[0]++; a.note(r, "renew-poll returned ANOTHER record -> RELEASE"); a.c.acknowledge(r, AcknowledgeType.RELEASE); }
                    }
                }
            }
            log("%s: A busy for %d ms: renewals=%d, other records returned to A during renew polls=%d", tag, ms(busyStart), renewals[0], others[0]);
            try {
                a.c.acknowledge(held[0], AcknowledgeType.ACCEPT);
                log("%s: A ACCEPT %s -> commitSync = %s", tag, held[0].value(), a.c.commitSync(Duration.ofSeconds(10)));
            } catch (RuntimeException e) {
                log("%s: A ACCEPT of %s threw %s", tag, held[0].value(), e);
            }
            return null;
        });
        log("%s: while A was busy: B got %s, C got %s; start offsets %s", tag, b.got, c.got, startOffsets(group, topic));
        log("%s: A goes idle again (polls, accepts) for 8 s", tag);
        a.startIdle(8_000);
        sleep(8_500);
        log("%s: final: A got %s, B got %s, C got %s; start offsets %s", tag, a.got, b.got, c.got, startOffsets(group, topic));
        closeAll();
    }

    /** Prefetch: records waiting on A's partitions, A polls once; how many does the broker hand A, and do others burn? */
    static void s3() throws Exception {
        log("=== S3a: prefetch on a 1-partition topic: A alone, 6 records, A polls once, then B joins");
        createTopic("s3a-t", 1);
        earliest("g-s3a");
        Member a = new Member("A", "g-s3a", 1);
        a.subscribe("s3a-t");
        a.startIdle(20_000); // a share consumer joins the group on its first poll, not on subscribe
        awaitAssignment("g-s3a", List.of(a), 20_000);
        a.stopIdle();
        for (int i = 0; i < 6; i++) produce("s3a-t", 0, "s3a-" + i);
        List<ConsumerRecord<String, String>> got = a.pollUntilAny(10_000);
        log("S3a: A's one poll returned %d record(s); A now silent (holds, no ack, no poll)", got.size());
        long t = now();
        Member b = new Member("B", "g-s3a", 1);
        b.subscribe("s3a-t");
        b.startIdle(12_000);
        sleep(12_500);
        log("S3a: B joined %d ms ago and got %s (deliveryCount 1 means A had not acquired them)", ms(t), b.got);
        closeAll();

        log("=== S3b: prefetch on 6 partitions: 3 records on each of A's 2 partitions, A polls once, then silent 12 s");
        createTopic("s3b-t", 6);
        List<Member> ms = trio("g-s3b", "s3b-t");
        Member a2 = ms.get(0);
        List<Integer> pa = brokerAssignment("g-s3b").get("A").stream().map(TopicPartition::partition).sorted().toList();
        a2.stopIdle();
        for (int p : pa) for (int i = 0; i < 3; i++) produce("s3b-t", p, "s3b-p" + p + "-" + i);
        List<ConsumerRecord<String, String>> got2 = a2.pollUntilAny(10_000);
        log("S3b: A's one poll returned %d record(s); A silent 12 s (4 lock durations)", got2.size());
        sleep(12_000);
        log("S3b: during A's silence B got %s, C got %s", ms.get(1).got, ms.get(2).got);
        a2.call(() -> {
            for (ConsumerRecord<String, String> r : got2) a2.c.acknowledge(r, AcknowledgeType.ACCEPT);
            log("S3b: A late ACCEPT -> commitSync %s", a2.c.commitSync(Duration.ofSeconds(10)));
            return null;
        });
        a2.startIdle(6_000);
        sleep(6_500);
        log("S3b: after A resumed: A got %s", a2.got);
        closeAll();
    }

    /** Fix (b): busy A ACCEPTs + commits, then unsubscribe() (or close()); records on its partitions go to B/C? */
    static void s4b(boolean close, String tag) throws Exception {
        log("=== %s: A accepts, commits, then %s", tag, close ? "close()" : "unsubscribe()");
        String topic = tag + "-t", group = "g-" + tag;
        createTopic(topic, 6);
        List<Member> ms = trio(group, topic);
        Member a = ms.get(0), b = ms.get(1), c = ms.get(2);
        List<Integer> pa = brokerAssignment(group).get("A").stream().map(TopicPartition::partition).sorted().toList();
        a.stopIdle();
        produce(topic, pa.get(0), tag + "-r0");
        List<ConsumerRecord<String, String>> first = a.pollUntilAny(10_000);
        if (first.isEmpty()) { log("%s: A got nothing; abort", tag); closeAll(); return; }
        // queued behind A: these would wait for A if A stayed a member
        produce(topic, pa.get(0), tag + "-x1");
        produce(topic, pa.get(1), tag + "-x2");
        // A renews its hold for 2.5 s as the worker at HEAD did: each renew poll lets its consumer fetch ahead
        ConsumerRecord<String, String> held = a.call(() -> {
            ConsumerRecord<String, String> h = first.get(0);
            long st = now();
            while (ms(st) < 2500) {
                Thread.sleep(1000);
                a.c.acknowledge(h, AcknowledgeType.RENEW);
                long e2 = now() + 3_000_000_000L;
                boolean back = false;
                while (!back && now() < e2) {
                    for (ConsumerRecord<String, String> r : a.c.poll(POLL)) {
                        if (r.offset() == h.offset() && r.partition() == h.partition()) { h = r; back = true; }
                        else { a.note(r, "renew poll, RELEASE"); a.c.acknowledge(r, AcknowledgeType.RELEASE); }
                    }
                }
            }
            return h;
        });
        log("%s: A renewed for 2.5 s; B/C so far: %s %s", tag, b.got, c.got);
        long left = now();
        a.call(() -> {
            a.c.acknowledge(held, AcknowledgeType.ACCEPT);
            log("%s: A ACCEPT -> commitSync %s (%d ms)", tag, a.c.commitSync(Duration.ofSeconds(10)), ms(left));
            long t = now();
            if (close) a.c.close(Duration.ofSeconds(5)); else a.c.unsubscribe();
            log("%s: A %s returned after %d ms", tag, close ? "close()" : "unsubscribe()", ms(t));
            return null;
        });
        long gone = now();
        long end = now() + 20_000_000_000L;
        while (now() < end && !(all(b, c, tag + "-x1") && all(b, c, tag + "-x2"))) sleep(50);
        log("%s: x1,x2 received by B/C %d ms after A left (B=%s C=%s); broker assignment now %s", tag, ms(gone), b.got, c.got, brokerAssignment(group));
        produce(topic, pa.get(0), tag + "-x3");
        long t3 = now();
        while (ms(t3) < 10_000 && !all(b, c, tag + "-x3")) sleep(20);
        log("%s: x3 (on A's former partition, produced after the rebalance) received after %d ms", tag, ms(t3));

        // rejoin: time until the (re)joining member owns partitions, then latency of a record produced to one of them
        Member j;
        if (close) { a.close(); j = new Member("D", group, 1); } else { j = a; }
        j.got.clear();
        long sub = now();
        j.subscribe(topic);
        j.startIdle(20_000);
        Set<TopicPartition> mine = Set.of();
        while (ms(sub) < 20_000 && (mine = j.clientAssignment()).isEmpty()) sleep(20);
        log("%s: %s (re)subscribed and polling: owns %s after %d ms; broker view %s", tag, j.name, mine, ms(sub), brokerAssignment(group));
        produce(topic, mine.iterator().next().partition(), tag + "-w");
        long tw = now();
        while (ms(tw) < 10_000 && j.got.isEmpty()) sleep(20);
        log("%s: %s received a record on its new partition %d ms after produce (%d ms after subscribe)", tag, j.name, ms(tw), ms(sub));
        closeAll();
    }


    /**
     * Stale buffered copies: A (alone, 1 partition) holds r0 and renews it for 10 s while x waits; A's renew polls
     * keep acquiring x into its fetch buffer. Then A ACCEPTs r0, waits gapMs, and REJECTs every copy of x it is given.
     */
    static void s6(long gapMs, String tag) throws Exception {
        log("=== %s: stale buffered copies after a renewing hold, then REJECT each (gap %d ms)", tag, gapMs);
        String topic = tag + "-t", group = "g-" + tag;
        createTopic(topic, 1);
        earliest(group);
        Member a = new Member("A", group, 1);
        a.subscribe(topic);
        a.startIdle(20_000);
        awaitAssignment(group, List.of(a), 20_000);
        a.stopIdle();
        produce(topic, 0, tag + "-r0");
        List<ConsumerRecord<String, String>> first = a.pollUntilAny(10_000);
        produce(topic, 0, tag + "-poison");
        long busy = now();
        a.call(() -> {
            ConsumerRecord<String, String> held = first.get(0);
            boolean inFlight = false;
            long nextRenew = now() + 1_000_000_000L;
            int others = 0;
            while (now() - busy < 10_000_000_000L || inFlight) {
                if (now() - busy > 14_000_000_000L) break;
                if (!inFlight && now() >= nextRenew && now() - busy < 10_000_000_000L) { a.c.acknowledge(held, AcknowledgeType.RENEW); inFlight = true; }
                if (inFlight) {
                    for (ConsumerRecord<String, String> r : a.c.poll(POLL)) {
                        if (r.offset() == held.offset()) { held = r; inFlight = false; nextRenew = now() + 1_000_000_000L; }
                        else { others++; a.c.acknowledge(r, AcknowledgeType.RELEASE); }
                    }
                } else Thread.sleep(200);
            }
            a.c.acknowledge(held, AcknowledgeType.ACCEPT);
            log("%s: A held r0 %d ms with renewals (other records returned by renew polls: %d); ACCEPT r0 -> %s", tag, ms(busy), others,
                    a.c.commitSync(Duration.ofSeconds(10)));
            Thread.sleep(gapMs);
            long end = now() + 12_000_000_000L;
            while (now() < end) {
                for (ConsumerRecord<String, String> r : a.c.poll(POLL)) {
                    a.note(r, "after hold");
                    a.c.acknowledge(r, AcknowledgeType.REJECT);
                    log("%s:   REJECT %s dc=%s -> commitSync %s", tag, r.value(), r.deliveryCount().orElse((short) -1),
                            a.c.commitSync(Duration.ofSeconds(10)).values());
                }
            }
            return null;
        });
        log("%s: A was given %s; start offset %s", tag, a.got, startOffsets(group, topic));
        closeAll();
    }

    /** A worker process killed (SIGKILL) while holding a record on its exclusive partitions: when do B/C get them? */
    static void s7() throws Exception {
        log("=== S7: the busy member dies (kill -9 of a child JVM); 6 partitions");
        String topic = "s7-t", group = "g-s7";
        createTopic(topic, 6);
        earliest(group);
        Member b = new Member("B", group, 1), c = new Member("C", group, 1);
        b.subscribe(topic); c.subscribe(topic);
        b.startIdle(90_000); c.startIdle(90_000);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                "-cp", System.getProperty("java.class.path"), "Repro", "child", bootstrap, group, topic);
        pb.redirectErrorStream(true);
        Process child = pb.start();
        Thread pump = new Thread(() -> {
            try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))) {
                String line; while ((line = r.readLine()) != null) log("  child| %s", line);
            } catch (Exception e) { /* ended */ }
        });
        pump.setDaemon(true); pump.start();
        long start = now();
        Map<String, Set<TopicPartition>> asg = Map.of();
        while (ms(start) < 30_000) {
            asg = brokerAssignment(group);
            if (asg.size() == 3 && asg.values().stream().noneMatch(Set::isEmpty)) break;
            sleep(250);
        }
        sleep(1500);
        asg = brokerAssignment(group);
        log("S7 assignment %s", asg);
        List<Integer> pa = asg.get("A-child").stream().map(TopicPartition::partition).sorted().toList();
        produce(topic, pa.get(0), "s7-r0");
        sleep(1500);
        produce(topic, pa.get(0), "s7-x1");
        produce(topic, pa.get(1), "s7-x2");
        sleep(4000);
        child.destroyForcibly();
        child.waitFor(10, TimeUnit.SECONDS);
        long killed = now();
        log("S7: child killed (SIGKILL)");
        while (ms(killed) < 75_000 && !(all(b, c, "s7-r0") && all(b, c, "s7-x1") && all(b, c, "s7-x2"))) {
            sleep(500);
        }
        log("S7: %d ms after the kill: B got %s, C got %s; assignment %s; start offsets %s", ms(killed), b.got, c.got,
                brokerAssignment(group), startOffsets(group, topic));
        closeAll();
    }

    /** The child JVM of S7: a worker that takes one record and renews it until killed (at most 60 s). */
    static void child(String bs, String group, String topic) throws Exception {
        bootstrap = bs;
        Member a = new Member("A-child", group, 1);
        a.subscribe(topic);
        List<ConsumerRecord<String, String>> first = a.pollUntilAny(40_000);
        if (first.isEmpty()) { System.out.println("child got nothing"); System.exit(1); }
        System.out.println("child holds " + first.get(0).value() + " and renews it");
        a.call(() -> {
            ConsumerRecord<String, String> held = first.get(0);
            long end = now() + 60_000_000_000L;
            while (now() < end) {
                a.c.acknowledge(held, AcknowledgeType.RENEW);
                long e2 = now() + 3_000_000_000L;
                boolean back = false;
                while (!back && now() < e2) {
                    for (ConsumerRecord<String, String> r : a.c.poll(POLL)) {
                        if (r.offset() == held.offset() && r.partition() == held.partition()) { held = r; back = true; }
                        else { System.out.println("child renew poll returned " + r.value() + " -> RELEASE"); a.c.acknowledge(r, AcknowledgeType.RELEASE); }
                    }
                }
                Thread.sleep(800);
            }
            return null;
        });
        System.exit(0);
    }

    static boolean all(Member b, Member c, String v) { return b.got.contains(v) || c.got.contains(v); }

    /** Acknowledgement semantics with one consumer. */
    static void s5() throws Exception {
        log("=== S5: acknowledgement semantics (explicit, record_limit)");
        createTopic("s5-t", 1);
        earliest("g-s5");
        Member x = new Member("X", "g-s5", 1);
        x.subscribe("s5-t");
        x.startIdle(20_000);
        awaitAssignment("g-s5", List.of(x), 20_000);
        x.stopIdle();

        step(x, "5a ACCEPT after the lock lapsed (wait 4.5 s)", "5a", r -> { sleep(4500); return ack(x, r, AcknowledgeType.ACCEPT); });
        drain(x, "5a");
        step(x, "5b REJECT on a freshly polled record", "5b", r -> ack(x, r, AcknowledgeType.REJECT));
        drain(x, "5b");
        step(x, "5c RENEW, poll until renewed copy, then REJECT the copy", "5c", r -> {
            x.c.acknowledge(r, AcknowledgeType.RENEW);
            ConsumerRecord<String, String> copy = awaitCopy(x, r);
            if (copy == null) return "renewed copy did not come back";
            log("5c: renewed copy back dc=%s", copy.deliveryCount().orElse((short) -1));
            return ack(x, copy, AcknowledgeType.REJECT);
        });
        drain(x, "5c");
        step(x, "5d RENEW, poll until renewed copy, then REJECT the ORIGINAL object", "5d", r -> {
            x.c.acknowledge(r, AcknowledgeType.RENEW);
            ConsumerRecord<String, String> copy = awaitCopy(x, r);
            if (copy == null) return "renewed copy did not come back";
            return ack(x, r, AcknowledgeType.REJECT);
        });
        drain(x, "5d");
        step(x, "5e RENEW, one poll returned empty/in flight, then REJECT (before the copy is back)", "5e", r -> {
            x.c.acknowledge(r, AcknowledgeType.RENEW);
            ConsumerRecords<String, String> recs = x.c.poll(Duration.ZERO);
            log("5e: poll(0) after RENEW returned %d record(s)", recs.count());
            for (ConsumerRecord<String, String> cp : recs) r = cp;
            return ack(x, r, AcknowledgeType.REJECT);
        });
        drain(x, "5e");
        step(x, "5f RENEW then commitSync (RENEW sent by commit), then REJECT", "5f", r -> {
            x.c.acknowledge(r, AcknowledgeType.RENEW);
            log("5f: commitSync carrying RENEW -> %s", x.c.commitSync(Duration.ofSeconds(10)));
            return ack(x, r, AcknowledgeType.REJECT);
        });
        drain(x, "5f");
        step(x, "5g poll again without acknowledging, then REJECT", "5g", r -> {
            try { x.c.poll(POLL); log("5g: second poll without ack returned normally"); }
            catch (RuntimeException e) { log("5g: second poll without ack threw %s", e); }
            return ack(x, r, AcknowledgeType.REJECT);
        });
        drain(x, "5g");
        step(x, "5h REJECT after the lock lapsed (wait 4.5 s)", "5h", r -> { sleep(4500); return ack(x, r, AcknowledgeType.REJECT); });
        drain(x, "5h");
        step(x, "5i REJECT twice (acknowledge then acknowledge again, then commit)", "5i", r -> {
            x.c.acknowledge(r, AcknowledgeType.REJECT);
            return ack(x, r, AcknowledgeType.REJECT);
        });
        drain(x, "5i");
        x.close();

        log("--- 5j: a poll that returns 3 records (max.poll.records=3): REJECT the middle one, ACCEPT others");
        earliest("g-s5j");
        createTopic("s5j-t", 1);
        Member y = new Member("Y", "g-s5j", 3);
        y.subscribe("s5j-t");
        y.startIdle(20_000);
        awaitAssignment("g-s5j", List.of(y), 20_000);
        y.stopIdle();
        for (int i = 0; i < 3; i++) { producedAt.put("5j-" + i, now()); producer.send(new ProducerRecord<>("s5j-t", 0, "5j-" + i, "5j-" + i)); }
        producer.flush(); // one batch, so one fetch can acquire all three
        log("produced 5j-0..2 in one batch");
        List<ConsumerRecord<String, String>> recs = y.pollUntilAny(10_000);
        y.call(() -> {
            for (int i = 0; i < recs.size(); i++) {
                AcknowledgeType t = i == Math.min(1, recs.size() - 1) ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT;
                try { y.c.acknowledge(recs.get(i), t); log("5j: acknowledge(%s, %s) ok", recs.get(i).value(), t); }
                catch (RuntimeException e) { log("5j: acknowledge(%s, %s) THREW %s", recs.get(i).value(), t, e); }
            }
            log("5j: %d records in one poll -> commitSync %s", recs.size(), y.c.commitSync(Duration.ofSeconds(10)));
            return null;
        });
        drain(y, "5j");
        y.close();
    }

    interface Step { String run(ConsumerRecord<String, String> r) throws Exception; }

    static void step(Member x, String title, String value, Step s) throws Exception {
        log("--- %s", title);
        produce("s5-t", 0, value);
        List<ConsumerRecord<String, String>> recs = x.pollUntilAny(10_000);
        if (recs.isEmpty()) { log("%s: nothing polled", value); return; }
        String out = x.call(() -> {
            try { return s.run(recs.get(0)); } catch (RuntimeException e) { return "THREW " + e; }
        });
        log("%s: result: %s", value, out);
    }

    static String ack(Member x, ConsumerRecord<String, String> r, AcknowledgeType type) {
        try {
            x.c.acknowledge(r, type);
        } catch (RuntimeException e) {
            return "acknowledge(" + type + ") THREW " + e;
        }
        try {
            return "acknowledge(" + type + ") ok; commitSync -> " + x.c.commitSync(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            return "acknowledge(" + type + ") ok; commitSync THREW " + e;
        }
    }

    static ConsumerRecord<String, String> awaitCopy(Member x, ConsumerRecord<String, String> r) {
        long end = now() + 5_000_000_000L;
        while (now() < end) {
            for (ConsumerRecord<String, String> cp : x.c.poll(POLL)) {
                if (cp.offset() == r.offset()) return cp;
                log("awaitCopy: unexpected %s -> RELEASE", cp.value());
                x.c.acknowledge(cp, AcknowledgeType.RELEASE);
            }
        }
        return null;
    }

    /** Whatever comes back within lock + 2 s: accepted and reported (shows whether a settlement took effect). */
    static void drain(Member x, String tag) {
        x.call(() -> {
            // settle anything left unacknowledged from the step, so poll is legal
            try { x.c.commitSync(Duration.ofSeconds(5)); } catch (RuntimeException e) { log("%s drain commit: %s", tag, e); }
            long end = now() + (LOCK_MS + 2000) * 1_000_000L;
            List<String> back = new ArrayList<>();
            while (now() < end) {
                ConsumerRecords<String, String> recs;
                try { recs = x.c.poll(POLL); } catch (IllegalStateException e) { log("%s drain poll: %s", tag, e); return null; }
                for (ConsumerRecord<String, String> r : recs) {
                    back.add(r.value() + "(dc=" + r.deliveryCount().orElse((short) -1) + ")");
                    x.c.acknowledge(r, AcknowledgeType.ACCEPT);
                }
                if (!recs.isEmpty()) x.c.commitSync(Duration.ofSeconds(5));
            }
            log("%s: redelivered within lock+2 s: %s", tag, back.isEmpty() ? "nothing" : back);
            return null;
        });
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("child")) { child(args[1], args[2], args[3]); return; }
        Set<String> which = new LinkedHashSet<>(args.length == 0
                ? List.of("s1", "s2silent", "s2renew", "s3", "s4a", "s4b", "s4close", "s5", "s6", "s6gap", "s7") : Arrays.asList(args));
        Thread watchdog = new Thread(() -> {
            sleep(15 * 60_000);
            log("WATCHDOG: 15 min passed, halting");
            Runtime.getRuntime().halt(3);
        });
        watchdog.setDaemon(true);
        watchdog.start();
        Path data = Files.createTempDirectory("sharerepro-kafka");
        broker = EmbeddedKafkaBroker.builder().optDataDir(data)
                .optProperty("group.share.record.lock.duration.ms", Integer.toString(LOCK_MS))
                .optProperty("group.share.min.record.lock.duration.ms", "1000")
                .build();
        long bs = now();
        broker.start();
        bootstrap = broker.bootstrapServers();
        log("broker up on %s in %d ms (lock %d ms, delivery.count.limit default 5)", bootstrap, ms(bs), LOCK_MS);
        admin = Admin.create(Map.of("bootstrap.servers", bootstrap));
        Properties pp = new Properties();
        pp.put("bootstrap.servers", bootstrap);
        pp.put("key.serializer", StringSerializer.class.getName());
        pp.put("value.serializer", StringSerializer.class.getName());
        producer = new KafkaProducer<>(pp);
        try {
            for (String s : which) {
                try {
                    switch (s) {
                        case "s1" -> s1();
                        case "s2silent" -> s2(false, 6, "s2silent");
                        case "s2renew" -> s2(true, 6, "s2renew");
                        case "s3" -> s3();
                        case "s4a" -> s2(true, 1, "s4a");
                        case "s4b" -> s4b(false, "s4b");
                        case "s4close" -> s4b(true, "s4close");
                        case "s5" -> s5();
                        case "s6" -> s6(0, "s6");
                        case "s6gap" -> s6(4000, "s6gap");
                        case "s7" -> s7();
                        default -> log("unknown scenario %s", s);
                    }
                } catch (Exception e) {
                    log("scenario %s FAILED: %s", s, e);
                    e.printStackTrace(System.out);
                    closeAll();
                }
            }
        } finally {
            closeAll();
            producer.close(Duration.ofSeconds(2));
            admin.close(Duration.ofSeconds(2));
            broker.close();
            try (var paths = Files.walk(data)) { paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete()); }
            log("done");
        }
        System.exit(0);
    }
}
