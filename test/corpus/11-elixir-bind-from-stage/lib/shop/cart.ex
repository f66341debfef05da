defmodule Shop.Cart do
  def total(items), do: Enum.sum(Enum.map(items, & &1.price))
end
