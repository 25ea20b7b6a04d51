# frozen_string_literal: true

module OneLoop
  # fork (Puma/Unicorn preload): the C library gives the child a fresh executor on first use
  # and never touches the parent's. Ruby-side state is reset here through Process._fork
  # (Ruby 3.1+), so a child that forks after the parent used oneloop just works (C22).
  # Futures created before the fork stay readable if they had settled; waiting on a pending one
  # raises ForkedError (its job runs in the parent).
  module ForkHook
    def _fork
      pid = super
      OneLoop.send(:after_fork_child) if pid.zero?
      pid
    end
  end

  @forks = 0

  class << self
    # How many forks this process descends from (counted in the child; Futures compare it
    # instead of calling Process.pid, a system call, each time).
    attr_reader :forks

    private

    def after_fork_child
      @http = nil
      @forks += 1
    end
  end
end

Process.singleton_class.prepend(OneLoop::ForkHook) if Process.respond_to?(:_fork)
