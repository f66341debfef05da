defmodule Shop.MixProject do
  use Mix.Project

  def project do
    [app: :shop, version: "0.1.0", elixir: "~> 1.17", deps: deps()]
  end

  defp deps do
    [{:phoenix, "~> 1.7.18"}, {:jason, "~> 1.4"}, {:ecto_sql, "~> 3.12"}]
  end
end
