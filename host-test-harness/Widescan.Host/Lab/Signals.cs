using System.Runtime.InteropServices;

namespace Widescan.Host.Lab;

/// <summary>Sends a POSIX signal to a child: .NET can kill a process but not interrupt it.</summary>
internal static partial class Signals
{
    private const int SigInt = 2;

    /// <summary>SIGINT, what Ctrl+C sends: the child stops cleanly and writes what it has. False if it has gone.</summary>
    public static bool Interrupt(int pid) => Kill(pid, SigInt) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
