namespace Billing.Core.Tests;

public class InvoiceTests
{
    [Fact]
    public void Amount_is_kept() => Assert.Equal(5m, new Invoice("A-1", 5m).Amount);
}
