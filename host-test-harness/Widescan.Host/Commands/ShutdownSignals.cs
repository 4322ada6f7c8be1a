using System.Runtime.InteropServices;
using Serilog;

namespace Widescan.Host.Commands;

/// <summary>
/// Turns the first Ctrl+C or SIGTERM into a cancellation, so the module stops cleanly, saves its state
/// and reports its summary. A second signal is left to the default handling, which kills the process:
/// the way out when stopping cleanly hangs.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource cancellation = new();
    private readonly PosixSignalRegistration? sigterm;
    private int signalled;

    public ShutdownSignals()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigterm);
        }
        catch (PlatformNotSupportedException)
        {
            // No SIGTERM here (some platforms): Ctrl+C still works.
        }
    }

    /// <summary>Cancelled on the first signal.</summary>
    public CancellationToken Token => cancellation.Token;

    /// <summary>Whether a signal cancelled the run.</summary>
    public bool Interrupted => Volatile.Read(ref signalled) != 0;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancelKeyPress;
        sigterm?.Dispose();
        cancellation.Dispose();
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e) => e.Cancel = First("Ctrl+C");

    private void OnSigterm(PosixSignalContext context) => context.Cancel = First("SIGTERM");

    // True (keep the process) for the first signal only.
    private bool First(string signal)
    {
        if (Interlocked.Exchange(ref signalled, 1) != 0)
            return false;
        Log.Warning("{Signal}: stopping cleanly (press Ctrl+C again to kill)", signal);
        try
        {
            cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended as the signal came in: nothing left to stop.
        }

        return true;
    }
}
