using ConVirt.Data.Pipeline;
using System.Diagnostics;
using System.Threading.Channels;

namespace ConVirt.Training;

/// <summary>
/// Builds batches on background threads ahead of the training step through a bounded channel (at most
/// <c>prefetch</c> batches in memory), preserving order. Reports how long the consumer waited.
/// </summary>
internal sealed class PrefetchingBatchReader : IDisposable
{
    private readonly Channel<Task<PairBatch>> channel;
    private readonly CancellationTokenSource cts = new();
    private readonly Task producer;
    private readonly Stopwatch waitWatch = new();

    /// <summary>Seconds the consumer spent waiting for a batch that was not ready.</summary>
    public double WaitSeconds => waitWatch.Elapsed.TotalSeconds;

    /// <summary>Starts producing batches <paramref name="startIndex"/>.. of <paramref name="epoch"/>.</summary>
    public PrefetchingBatchReader(IBatchSource source, int epoch, int startIndex, int prefetch, int workers)
    {
        if (prefetch < 1) throw new ArgumentOutOfRangeException(nameof(prefetch));
        workers = Math.Max(1, workers);
        channel = Channel.CreateBounded<Task<PairBatch>>(new BoundedChannelOptions(prefetch) { SingleReader = true, SingleWriter = true });
        int count = source.BatchCount(epoch);
        var token = cts.Token;
        var limiter = new SemaphoreSlim(workers);
        producer = Task.Run(async () =>
        {
            try
            {
                for (int i = startIndex; i < count && !token.IsCancellationRequested; i++)
                {
                    await limiter.WaitAsync(token).ConfigureAwait(false);
                    int index = i;
                    var work = Task.Factory.StartNew(() =>
                    {
                        try { return source.Build(epoch, index); }
                        finally { limiter.Release(); }
                    }, token, TaskCreationOptions.None, TaskScheduler.Default); // pool threads, not a new OS thread per batch
                    await channel.Writer.WriteAsync(work, token).ConfigureAwait(false);
                }
                channel.Writer.TryComplete();
            }
            catch (Exception e)
            {
                channel.Writer.TryComplete(e is OperationCanceledException ? null : e);
            }
        }, token);
    }

    /// <summary>The next batch in order, or null at the end of the epoch.</summary>
    public PairBatch? Next()
    {
        waitWatch.Start();
        try
        {
            var reader = channel.Reader;
            if (!reader.TryRead(out var task))
            {
                if (!reader.WaitToReadAsync(cts.Token).AsTask().GetAwaiter().GetResult()) return null;
                if (!reader.TryRead(out task)) return null;
            }
            return task.GetAwaiter().GetResult();
        }
        catch (ChannelClosedException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
        finally
        {
            waitWatch.Stop();
        }
    }

    public void Dispose()
    {
        cts.Cancel();
        try { producer.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        cts.Dispose();
    }
}
