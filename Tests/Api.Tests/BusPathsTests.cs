using Units.Api.Paths;

namespace Units.Api.Tests;

public class BusPathsTests
{
    [Theory]
    [InlineData("x.service", "x_2eservice")]
    [InlineData("-.slice", "_2d_2eslice")]
    [InlineData("dev-vda.device", "dev_2dvda_2edevice")]
    [InlineData("getty@tty1.service", "getty_40tty1_2eservice")]
    [InlineData("1abc.service", "_31abc_2eservice")]
    [InlineData("a1.service", "a1_2eservice")]
    [InlineData("", "_")]
    [InlineData("ü.service", "_c3_bc_2eservice")]
    public void Escapes_labels_as_systemd_does(string name, string label)
    {
        Assert.Equal(label, BusPaths.EscapeLabel(name));
        Assert.Equal(name, BusPaths.UnescapeLabel(label));
    }

    [Fact]
    public void Unit_and_job_paths_round_trip()
    {
        Assert.Equal("/org/freedesktop/systemd1/unit/x_2eservice", BusPaths.ForUnit("x.service"));
        Assert.Equal("x.service", BusPaths.UnitNameFromPath("/org/freedesktop/systemd1/unit/x_2eservice"));
        Assert.Null(BusPaths.UnitNameFromPath("/org/freedesktop/systemd1"));
        Assert.Equal("/org/freedesktop/systemd1/job/17", BusPaths.ForJob(17));
        Assert.Equal(17u, BusPaths.JobIdFromPath("/org/freedesktop/systemd1/job/17"));
        Assert.Null(BusPaths.JobIdFromPath("/org/freedesktop/systemd1/job/x"));
        Assert.Null(BusPaths.JobIdFromPath("/org/freedesktop/systemd1/job/-1"));
    }

    [Fact]
    public void Malformed_escapes_are_kept_literally()
    {
        Assert.Equal("a_zz", BusPaths.UnescapeLabel("a_zz"));
        Assert.Equal("a_2", BusPaths.UnescapeLabel("a_2"));
    }
}
