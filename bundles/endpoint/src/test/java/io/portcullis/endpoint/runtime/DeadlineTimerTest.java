package io.portcullis.endpoint.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Orders are checked against other alarms, never against the clock: "A did not fire" is asserted only
 * once an alarm due after A has fired, or once the timer is closed.
 */
class DeadlineTimerTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    private final DeadlineTimer timer = new DeadlineTimer("deadline-timer-test", Duration.ofMillis(10));

    @AfterEach
    void close() {
        timer.close();
    }

    @Test
    void alarmsRunInDeadlineOrder() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(3);
        long now = System.nanoTime();
        timer.alarm(record("late", order, all)).schedule(now + 300 * MS);
        timer.alarm(record("early", order, all)).schedule(now + 100 * MS);
        timer.alarm(record("middle", order, all)).schedule(now + 200 * MS);

        assertTrue(all.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("early", "middle", "late"), order);
        assertEquals(0, timer.pending());
    }

    @Test
    void anEarlierDeadlineReplacesTheLaterOne() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch ran = new CountDownLatch(1);
        DeadlineTimer.Alarm alarm = timer.alarm(() -> {
            runs.incrementAndGet();
            ran.countDown();
        });
        alarm.schedule(System.nanoTime() + HOUR);
        alarm.schedule(System.nanoTime());

        assertTrue(ran.await(10, TimeUnit.SECONDS), "the hour-long sleep was cut short");
        assertEquals(0, timer.pending(), "one deadline per alarm: the later one is gone");
        awaitAnotherAlarm();
        assertEquals(1, runs.get());
    }

    @Test
    void aLaterDeadlineIsIgnoredWhileAnEarlierOneIsPending() throws Exception {
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch both = new CountDownLatch(2);
        long now = System.nanoTime();
        DeadlineTimer.Alarm alarm = timer.alarm(record("alarm", order, both));
        alarm.schedule(now + 50 * MS);
        alarm.schedule(now + HOUR);
        timer.alarm(record("witness", order, both)).schedule(now + 200 * MS);

        assertTrue(both.await(10, TimeUnit.SECONDS));
        assertEquals(List.of("alarm", "witness"), order, "the alarm kept its earlier deadline");
        assertEquals(0, timer.pending(), "and the later one was not kept for after it");
    }

    @Test
    void aCancelledAlarmDoesNotRun() throws Exception {
        AtomicInteger cancelledRuns = new AtomicInteger();
        CountDownLatch witness = new CountDownLatch(1);
        long now = System.nanoTime();
        DeadlineTimer.Alarm cancelled = timer.alarm(cancelledRuns::incrementAndGet);
        cancelled.schedule(now + 50 * MS);
        timer.alarm(witness::countDown).schedule(now + 200 * MS);
        cancelled.cancel();
        cancelled.cancel(); // twice is harmless

        assertTrue(witness.await(10, TimeUnit.SECONDS));
        assertEquals(0, cancelledRuns.get(), "it was due before the witness");
    }

    @Test
    void anActionCanScheduleItsOwnAlarmAgain() throws Exception {
        CountDownLatch threeRuns = new CountDownLatch(3);
        DeadlineTimer.Alarm[] alarm = new DeadlineTimer.Alarm[1];
        alarm[0] = timer.alarm(() -> {
            threeRuns.countDown();
            if (threeRuns.getCount() > 0) {
                alarm[0].schedule(System.nanoTime() + 20 * MS);
            }
        });
        alarm[0].schedule(System.nanoTime());

        assertTrue(threeRuns.await(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailingActionDoesNotStopTheTimer() throws Exception {
        CountDownLatch after = new CountDownLatch(1);
        long now = System.nanoTime();
        timer.alarm(() -> {
            throw new IllegalStateException("test: an action that fails");
        }).schedule(now);
        timer.alarm(after::countDown).schedule(now + 50 * MS);

        assertTrue(after.await(10, TimeUnit.SECONDS));
    }

    @Test
    void nothingRunsOnceClosed() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger laterRuns = new AtomicInteger();
        timer.alarm(() -> {
            running.countDown();
            awaitQuietly(release);
        }).schedule(System.nanoTime());
        assertTrue(running.await(10, TimeUnit.SECONDS));
        DeadlineTimer.Alarm later = timer.alarm(laterRuns::incrementAndGet);
        later.schedule(System.nanoTime()); // due, but the thread is busy with the first action

        Thread closing = new Thread(timer::close);
        closing.start();
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (timer.pending() > 0 && System.nanoTime() - giveUp < 0) {
            Thread.sleep(5); // until close() has dropped the pending deadline
        }
        assertEquals(0, timer.pending());
        release.countDown();
        closing.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(closing.isAlive(), "close() waits for the running action, then returns");

        later.schedule(System.nanoTime()); // ignored: closed
        assertEquals(0, timer.pending());
        assertEquals(0, laterRuns.get(), "close() returned with the thread stopped: this is final");
    }

    @Test
    void manyAlarmsWithReplacementsAndCancellationsEachRunOnceInOrder() throws Exception {
        // The thread is kept busy while the alarms are set up, so that none runs before its changes.
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch setUp = new CountDownLatch(1);
        timer.alarm(() -> {
            busy.countDown();
            awaitQuietly(setUp);
        }).schedule(System.nanoTime());
        assertTrue(busy.await(10, TimeUnit.SECONDS));
        Random random = new Random(6);
        int count = 2000;
        long now = System.nanoTime();
        long[] deadline = new long[count];
        boolean[] cancelled = new boolean[count];
        AtomicInteger[] runs = new AtomicInteger[count];
        List<Long> firedDeadlines = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch sentinel = new CountDownLatch(1);
        DeadlineTimer.Alarm[] alarms = new DeadlineTimer.Alarm[count];
        for (int i = 0; i < count; i++) {
            int n = i;
            runs[n] = new AtomicInteger();
            alarms[n] = timer.alarm(() -> {
                runs[n].incrementAndGet();
                firedDeadlines.add(deadline[n] - now);
            });
            deadline[n] = now + random.nextInt(400) * MS;
            alarms[n].schedule(deadline[n]);
        }
        for (int i = 0; i < count; i++) {
            switch (random.nextInt(4)) {
                case 0 -> { // earlier: replaces
                    deadline[i] = Math.max(now, deadline[i] - random.nextInt(100) * MS);
                    alarms[i].schedule(deadline[i]);
                }
                case 1 -> alarms[i].schedule(deadline[i] + random.nextInt(100) * MS); // later: ignored
                case 2 -> {
                    cancelled[i] = true;
                    alarms[i].cancel();
                }
                default -> {
                }
            }
        }
        timer.alarm(sentinel::countDown).schedule(now + 500 * MS); // after every other deadline
        setUp.countDown();

        assertTrue(sentinel.await(20, TimeUnit.SECONDS));
        for (int i = 0; i < count; i++) {
            assertEquals(cancelled[i] ? 0 : 1, runs[i].get(), "alarm " + i);
        }
        List<Long> fired = List.copyOf(firedDeadlines);
        for (int i = 1; i < fired.size(); i++) {
            // Deadlines rounded up to the same 10 ms slot may run in either order; across slots, never backwards.
            assertTrue(fired.get(i) - fired.get(i - 1) > -10 * MS,
                    "deadline " + fired.get(i) + " ran after " + fired.get(i - 1));
        }
        assertEquals(0, timer.pending());
    }

    private void awaitAnotherAlarm() throws InterruptedException {
        CountDownLatch witness = new CountDownLatch(1);
        timer.alarm(witness::countDown).schedule(System.nanoTime() + 50 * MS);
        assertTrue(witness.await(10, TimeUnit.SECONDS));
    }

    private static Runnable record(String name, List<String> order, CountDownLatch latch) {
        return () -> {
            order.add(name);
            latch.countDown();
        };
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
