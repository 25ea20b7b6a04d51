# frozen_string_literal: true

module OneLoop
  VERSION = "0.1.0"
end
