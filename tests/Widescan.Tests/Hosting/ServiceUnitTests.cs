using System.Runtime.Versioning;
using Widescan.Tests.Lab;

namespace Widescan.Tests.Hosting;

/// <summary>
/// deploy/widescan.service: systemd accepts it as written, and it gives widescan CAP_NET_RAW and
/// CAP_NET_ADMIN and no other privilege, inside the sandbox docs/deploy.md describes.
/// </summary>
public class ServiceUnitTests
{
    private static string UnitPath => Path.Combine(RepositoryRoot.Path, "deploy", "widescan.service");

    private static readonly string[] Capabilities = ["CAP_NET_RAW", "CAP_NET_ADMIN"];

    [Test]
    [UnsupportedOSPlatform("windows")] // systemd; CI is Linux
    public void Systemd_verifies_the_unit_without_a_warning()
    {
        NetnsLab.EnsureTool("systemd-analyze", "systemd");
        var work = Directory.CreateTempSubdirectory("widescan-unit-").FullName;
        try
        {
            // verify checks that ExecStart's program exists: the unit's own text, with the installed
            // tool's path pointing at a stand-in, so no tool has to be installed in /opt to check it.
            var launcher = Path.Combine(work, "widescan");
            File.WriteAllText(launcher, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var text = File.ReadAllText(UnitPath);
            Assert.That(text, Does.Contain("ExecStart=/opt/widescan/widescan "));
            var unit = Path.Combine(work, "widescan.service");
            File.WriteAllText(unit, text.Replace("ExecStart=/opt/widescan/widescan ", $"ExecStart={launcher} ", StringComparison.Ordinal));

            var result = ProcessRunner.Run("systemd-analyze", ["verify", "--man=no", unit], work, TimeSpan.FromSeconds(30));

            // verify exits 0 on an unknown key or a bad value and only says so: both count as failures.
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Output.Trim(), Is.Empty, result.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Test]
    public void The_unit_grants_the_two_network_capabilities_and_no_other_privilege()
    {
        var service = Read(UnitPath)["Service"];

        Assert.Multiple(() =>
        {
            Assert.That(Words(service, "AmbientCapabilities"), Is.EquivalentTo(Capabilities));
            Assert.That(Words(service, "CapabilityBoundingSet"), Is.EquivalentTo(Capabilities));
            Assert.That(Single(service, "NoNewPrivileges"), Is.EqualTo("yes"));
            // A user of its own: a dynamic one, or a named one that is not root.
            var dynamicUser = service.ContainsKey("DynamicUser") && Single(service, "DynamicUser") == "yes";
            var user = service.ContainsKey("User") ? Single(service, "User") : null;
            Assert.That(dynamicUser || user is not (null or "" or "root" or "0"), Is.True, "DynamicUser=yes or a dedicated User=");
            Assert.That(user, Is.Not.EqualTo("root").And.Not.EqualTo("0"));
            Assert.That(service.ContainsKey("Group") ? Single(service, "Group") : null, Is.Not.EqualTo("root").And.Not.EqualTo("0"));
            // Nothing that runs with more: no extra groups, no privileged start, no "+"/"!" on a command.
            Assert.That(service.Keys, Has.None.EqualTo("SupplementaryGroups").And.None.EqualTo("PermissionsStartOnly").And.None.EqualTo("RootDirectoryStartOnly"));
            foreach (var key in service.Keys.Where(k => k.StartsWith("Exec", StringComparison.Ordinal)))
                Assert.That(service[key], Has.None.Match(@"^[-@:]*[+!]"), $"{key} runs a command with full privileges");
            Assert.That(Single(service, "ExecStart"), Does.StartWith("/opt/widescan/widescan listen "));
        });
    }

    [Test]
    public void The_unit_sandboxes_the_service_with_one_writable_state_directory()
    {
        var service = Read(UnitPath)["Service"];

        Assert.Multiple(() =>
        {
            foreach (var (key, value) in new[]
            {
                ("ProtectSystem", "strict"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
                ("ProtectKernelTunables", "yes"), ("ProtectKernelModules", "yes"), ("ProtectControlGroups", "yes"),
                ("RestrictNamespaces", "yes"), ("RestrictSUIDSGID", "yes"), ("LockPersonality", "yes"), ("StateDirectory", "widescan"),
            })
                Assert.That(service.TryGetValue(key, out var values) ? values : [], Is.EqualTo(new[] { value }), key);
            Assert.That(Words(service, "RestrictAddressFamilies"), Is.SubsetOf(new[] { "AF_INET6", "AF_PACKET", "AF_NETLINK", "AF_UNIX", "AF_INET" })
                .And.Contains("AF_INET6").And.Contains("AF_PACKET").And.Contains("AF_NETLINK"));
            // Settings that would stop .NET or the listener: the JIT writes code; capabilities in a
            // user namespace do not reach the host's network; a private network has no real interface.
            Assert.That(service.Keys, Has.None.EqualTo("MemoryDenyWriteExecute").And.None.EqualTo("PrivateUsers").And.None.EqualTo("PrivateNetwork"));
            Assert.That(Words(service, "RestartPreventExitStatus"), Does.Contain("77").And.Contains("2"));
            Assert.That(Words(service, "SuccessExitStatus"), Does.Contain("130"), "widescan's clean stop on SIGTERM");
        });
    }

    /// <summary>A unit file's sections, each a map from key to its assignments in order (systemd's format: '#' and ';' comments, no continuations here).</summary>
    private static Dictionary<string, Dictionary<string, List<string>>> Read(string path)
    {
        var sections = new Dictionary<string, Dictionary<string, List<string>>>();
        Dictionary<string, List<string>>? current = null;
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
                continue;
            Assert.That(line, Does.Not.EndWith("\\"), "a continued line: extend the reader");
            if (line[0] == '[')
            {
                current = [];
                sections.Add(line.Trim('[', ']'), current);
                continue;
            }

            Assert.That(current, Is.Not.Null, $"'{line}' is outside a section");
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            Assert.That(equals, Is.Positive, $"'{line}' is no assignment");
            var key = line[..equals].Trim();
            if (!current!.TryGetValue(key, out var values))
                current[key] = values = [];
            values.Add(line[(equals + 1)..].Trim());
        }

        return sections;
    }

    private static string Single(Dictionary<string, List<string>> section, string key)
    {
        Assert.That(section.TryGetValue(key, out var values) ? values : [], Has.Count.EqualTo(1), $"{key}= once");
        return section[key][0];
    }

    /// <summary>A list setting's words: systemd adds up repeated assignments, so every line counts.</summary>
    private static List<string> Words(Dictionary<string, List<string>> section, string key) =>
        section.TryGetValue(key, out var values)
            ? values.SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList()
            : [];
}
