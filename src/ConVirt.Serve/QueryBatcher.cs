using System.Threading.Channels;

namespace ConVirt.Serve;

/// <summary>
/// Coalesces concurrent requests into batches: a single worker takes the first waiting request and everything queued
/// behind it, and, when requests have been concurrent (several queued now, or the previous batch held several), whatever
/// arrives within <see cref="Window"/> after it (up to <see cref="MaxBatch"/>); then it hands the batch to one call of
/// the processor. Requests that arrive while a batch is being processed are taken together when it finishes; a request
/// that finds nothing processed and nothing queued after a batch of one is answered at once on its caller's thread.
/// </summary>
/// <typeparam name="TIn">One request.</typeparam>
/// <typeparam name="TOut">Its answer.</typeparam>
public sealed class QueryBatcher<TIn, TOut> : IDisposable
{
    readonly Channel<(TIn Request, TaskCompletionSource<TOut> Answer)> queue =
        Channel.CreateUnbounded<(TIn, TaskCompletionSource<TOut>)>();   // multi-reader kind: it can count (Submit checks for waiting requests)
    readonly Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> process;
    readonly CancellationTokenSource stop = new();
    readonly SemaphoreSlim engine = new(1, 1);   // held while a batch (or an inline request) is processed
    readonly Task worker;
    int lastBatchSize;

    /// <param name="process">Answers a batch: one answer per request, in order. An exception fails every request of the batch.</param>
    /// <param name="window">How long the first request of a batch waits for others when requests have been concurrent (zero: only those already queued).</param>
    /// <param name="maxBatch">Most requests per batch (at least 1).</param>
    public QueryBatcher(Func<IReadOnlyList<TIn>, IReadOnlyList<TOut>> process, TimeSpan window, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (window < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(window), window, "the batching window must not be negative");
        if (maxBatch < 1) throw new ArgumentOutOfRangeException(nameof(maxBatch), maxBatch, "a batch holds at least one request");
        this.process = process;
        Window = window;
        MaxBatch = maxBatch;
        worker = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    /// <summary>How long the first request of a batch waits for others when requests have been concurrent.</summary>
    public TimeSpan Window { get; }

    /// <summary>Most requests per batch.</summary>
    public int MaxBatch { get; }

    /// <summary>Batches processed so far.</summary>
    public long Batches => Interlocked.Read(ref batches);

    /// <summary>Requests answered so far (successfully or not).</summary>
    public long Requests => Interlocked.Read(ref requests);

    long batches, requests;

    /// <summary>
    /// Answers <paramref name="request"/>: on the caller's thread when nothing is being processed, nothing waits and the last
    /// batch held one request (a batch of one, no hand-over), else queued for the next batch; completes with its answer or
    /// the processor's exception.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The batcher was disposed.</exception>
    public Task<TOut> Submit(TIn request)
    {
        // a lone request (nothing queued, nothing processed, and the last batch was a lone one too) skips the hand-over;
        // once requests have been concurrent they queue, so that the worker can batch them
        if (Volatile.Read(ref lastBatchSize) <= 1 && queue.Reader.Count == 0 && engine.Wait(0))
        {
            bool inline = false;
            TOut answer = default!;
            Exception? failure = null;
            try
            {
                if (queue.Reader.Count == 0 && !stop.IsCancellationRequested)
                {
                    inline = true;
                    Interlocked.Exchange(ref lastBatchSize, 1);
                    try
                    {
                        var answers = process([request]);
                        if (answers.Count != 1) throw new InvalidOperationException($"the batch processor answered {answers.Count} of 1 requests");
                        answer = answers[0];
                    }
                    catch (Exception e) { failure = e; }
                    Count(1);
                }
            }
            finally { engine.Release(); }
            if (inline) return failure is null ? Task.FromResult(answer) : Task.FromException<TOut>(failure);
        }
        var pending = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!queue.Writer.TryWrite((request, pending))) throw new ObjectDisposedException(nameof(QueryBatcher<TIn, TOut>));
        return pending.Task;
    }

    async Task Run()
    {
        var reader = queue.Reader;
        var batch = new List<(TIn Request, TaskCompletionSource<TOut> Answer)>(MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                await engine.WaitAsync(stop.Token).ConfigureAwait(false);
                try
                {
                    batch.Clear();
                    while (batch.Count < MaxBatch && reader.TryRead(out var item)) batch.Add(item);
                    if (batch.Count == 0) continue;
                    // wait for more only where requests have been concurrent: after a batch of several, or with several queued now
                    // (one request at a time never waits: a lone client pays no window)
                    if (batch.Count < MaxBatch && Window > TimeSpan.Zero && (batch.Count > 1 || Volatile.Read(ref lastBatchSize) > 1))
                    {
                        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                        wait.CancelAfter(Window);
                        try
                        {
                            while (batch.Count < MaxBatch && await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                                while (batch.Count < MaxBatch && reader.TryRead(out var item)) batch.Add(item);
                        }
                        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                        {
                            // the window closed
                        }
                    }
                    Interlocked.Exchange(ref lastBatchSize, batch.Count);
                    Answer(batch);
                }
                finally { engine.Release(); }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            while (reader.TryRead(out var item)) batch.Add(item);
            foreach (var (_, answer) in batch) answer.TrySetException(new ObjectDisposedException(nameof(QueryBatcher<TIn, TOut>)));
        }
    }

    void Answer(List<(TIn Request, TaskCompletionSource<TOut> Answer)> batch)
    {
        IReadOnlyList<TOut> answers;
        try
        {
            answers = process(batch.Select(b => b.Request).ToList());
            if (answers.Count != batch.Count) throw new InvalidOperationException($"the batch processor answered {answers.Count} of {batch.Count} requests");
        }
        catch (Exception e)
        {
            Count(batch.Count);
            foreach (var (_, answer) in batch) answer.TrySetException(e);
            batch.Clear();
            return;
        }
        Count(batch.Count);   // before the answers: a caller that sees its answer sees the batch counted
        for (int i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(answers[i]);
        batch.Clear();
    }

    void Count(int n)
    {
        Interlocked.Increment(ref batches);
        Interlocked.Add(ref requests, n);
    }

    /// <summary>Stops the worker; requests still queued fail with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        stop.Cancel();
        try { worker.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        stop.Dispose();
        engine.Dispose();
    }
}
