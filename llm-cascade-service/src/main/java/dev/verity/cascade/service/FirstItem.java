package dev.verity.cascade.service;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import java.util.NoSuchElementException;
import java.util.concurrent.Flow;

/**
 * Splits a stream into its first item and the rest, over one subscription: the {@link Uni}
 * completes as soon as the first item is in hand, and {@link Split#rest()} continues the same
 * upstream (nothing is replayed, nothing is buffered beyond that one item, demand flows straight
 * through). This is how a stream's route is chosen before its first byte is relayed: a failure
 * before the first item fails the Uni, which the cascade treats like a failed call.
 *
 * <p>Cancelling the Uni before the first item cancels the upstream. {@code rest} may be subscribed
 * once; an upstream end that arrives before that is held and delivered on subscription.
 */
public final class FirstItem<T> implements Flow.Subscriber<T> {

    /**
     * The first item and the stream after it.
     *
     * @param abandon cancels the upstream when {@code rest} will never be subscribed (the caller left
     *        before the first item was relayed); harmless after {@code rest} has ended
     */
    public record Split<T>(T first, Multi<T> rest, Runnable abandon) {
    }

    private final io.smallrye.mutiny.subscription.UniEmitter<? super Split<T>> emitter;
    private Flow.Subscription upstream;
    private Flow.Subscriber<? super T> downstream;
    private boolean firstDelivered;
    private boolean ended;
    private Throwable endFailure;

    private FirstItem(io.smallrye.mutiny.subscription.UniEmitter<? super Split<T>> emitter) {
        this.emitter = emitter;
    }

    public static <T> Uni<Split<T>> of(Multi<T> source) {
        return Uni.createFrom().emitter(emitter -> {
            FirstItem<T> splitter = new FirstItem<>(emitter);
            emitter.onTermination(splitter::cancelIfUndelivered);
            source.subscribe().withSubscriber(splitter);
        });
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription subscription) {
        upstream = subscription;
        subscription.request(1);
    }

    @Override
    public void onNext(T item) {
        Flow.Subscriber<? super T> target;
        synchronized (this) {
            if (!firstDelivered) {
                firstDelivered = true;
                target = null;
            } else {
                target = downstream;
            }
        }
        if (target == null) {
            Flow.Publisher<T> rest = this::subscribeRest;
            emitter.complete(new Split<>(item, Multi.createFrom().publisher(rest), this::abandon));
        } else {
            target.onNext(item);
        }
    }

    @Override
    public void onError(Throwable failure) {
        end(failure);
    }

    @Override
    public void onComplete() {
        end(null);
    }

    private void end(Throwable failure) {
        Flow.Subscriber<? super T> target;
        boolean beforeFirst;
        synchronized (this) {
            beforeFirst = !firstDelivered;
            target = downstream;
            if (!beforeFirst && target == null) {
                ended = true;
                endFailure = failure;
            }
        }
        if (beforeFirst) {
            emitter.fail(failure != null ? failure : new NoSuchElementException("stream ended before its first item"));
        } else if (target != null) {
            signalEnd(target, failure);
        }
    }

    private void subscribeRest(Flow.Subscriber<? super T> subscriber) {
        boolean endNow;
        Throwable failure;
        synchronized (this) {
            if (downstream != null) {
                subscriber.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                subscriber.onError(new IllegalStateException("the rest of a stream can be subscribed once"));
                return;
            }
            downstream = subscriber;
            endNow = ended;
            failure = endFailure;
        }
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                upstream.request(n);
            }

            @Override
            public void cancel() {
                upstream.cancel();
            }
        });
        if (endNow) {
            signalEnd(subscriber, failure);
        }
    }

    private void abandon() {
        Flow.Subscription subscription;
        synchronized (this) {
            subscription = upstream;
        }
        if (subscription != null) {
            subscription.cancel();
        }
    }

    private void cancelIfUndelivered() {
        Flow.Subscription subscription;
        synchronized (this) {
            subscription = firstDelivered ? null : upstream;
        }
        if (subscription != null) {
            subscription.cancel();
        }
    }

    private static <T> void signalEnd(Flow.Subscriber<? super T> subscriber, Throwable failure) {
        if (failure == null) {
            subscriber.onComplete();
        } else {
            subscriber.onError(failure);
        }
    }
}
